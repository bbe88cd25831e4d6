import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

/** Where the bundle lives: committed, because the runner runs `main` as it finds it in the checkout. */
export const ACTION_BUNDLE = 'action/index.js'

const root = fileURLToPath(new URL('..', import.meta.url))

export interface ActionBundle {
  readonly text: string
  /** Every source file in the bundle, relative to the repository. */
  readonly inputs: readonly string[]
}

/**
 * Bundles the action into one ES module text, from the sources and node_modules alone: same inputs,
 * same bytes, so CI can tell a stale committed bundle from a fresh build. Paths in the output are
 * relative to the repository (absWorkingDir) and nothing time- or machine-dependent is embedded.
 */
export async function bundleAction(): Promise<ActionBundle> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['controller/action/main.ts'],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    // The runner runs node24, as do the tests.
    target: 'node24',
    minify: true,
    legalComments: 'eof',
    charset: 'utf8',
    logLevel: 'silent',
    metafile: true,
    // CommonJS dependencies (the AWS SDK's) require Node built-ins, which an ES module has no
    // `require` for.
    banner: {
      js: "import { createRequire as __actionRequire } from 'node:module'; const require = __actionRequire(import.meta.url);",
    },
  })
  const [file] = result.outputFiles
  if (!file || result.outputFiles.length !== 1) throw new Error('esbuild produced no single output file')
  return { text: file.text, inputs: Object.keys(result.metafile.inputs).sort() }
}
