import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { ACTION_BUNDLE, bundleAction } from './action-bundle.ts'

/*
 * `npm run build:action` writes the action's bundle; `npm run check:action` (`--check`) fails when the
 * committed bundle is not what the sources build to, so that a change to the controller cannot ship
 * without its bundle.
 */
const path = fileURLToPath(new URL(`../${ACTION_BUNDLE}`, import.meta.url))
const fresh = (await bundleAction()).text

if (process.argv.includes('--check')) {
  const committed = await readFile(path, 'utf8').catch(() => undefined)
  if (committed !== fresh) {
    process.stderr.write(
      `error: ${ACTION_BUNDLE} is ${committed === undefined ? 'missing' : 'not what the sources build to'}; run \`npm run build:action\` and commit it\n`,
    )
    process.exitCode = 1
  } else {
    process.stdout.write(`${ACTION_BUNDLE} matches a fresh build (${Buffer.byteLength(fresh)} bytes)\n`)
  }
} else {
  await writeFile(path, fresh)
  process.stdout.write(`wrote ${ACTION_BUNDLE} (${Buffer.byteLength(fresh)} bytes)\n`)
}
