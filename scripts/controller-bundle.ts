import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))

/** The release file name of the controller CLI: one script, Node.js 22 or newer, nothing to install. */
export function controllerBundleName(version: string): string {
  return `ecr-deploy-${version}.mjs`
}

/**
 * The controller CLI (`ecr-deploy`) as one ES module with its dependencies inside, for the release beside
 * the agent tarballs: an administrator's machine needs Node.js, not npm or a package registry, and the
 * file is checked against SHA256SUMS like the agent. Returns the path written.
 */
export async function writeControllerBundle(outDir: string, version: string): Promise<string> {
  const outfile = join(outDir, controllerBundleName(version))
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['controller/cli.ts'],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    legalComments: 'eof',
    charset: 'utf8',
    logLevel: 'warning',
    // The shebang comes from controller/cli.ts; CommonJS dependencies (the AWS SDK's) need `require`.
    banner: {
      js: "import { createRequire as __controllerRequire } from 'node:module'; const require = __controllerRequire(import.meta.url);",
    },
  })
  const [file] = result.outputFiles
  if (!file) throw new Error('esbuild wrote no controller bundle')
  writeFileSync(outfile, file.contents)
  chmodSync(outfile, 0o755)
  return outfile
}
