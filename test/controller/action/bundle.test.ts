import { readFile } from 'node:fs/promises'
import t from 'tap'
import { ACTION_BUNDLE, bundleAction } from '../../../scripts/action-bundle.ts'

const root = new URL('../../..', import.meta.url).pathname
const manifest = JSON.parse(await readFile(`${root}package.json`, 'utf8')) as {
  devDependencies: Record<string, string>
}
const bundle = await bundleAction()

t.test('the committed bundle is what the sources build to', async (t) => {
  const committed = await readFile(`${root}${ACTION_BUNDLE}`, 'utf8')
  t.ok(committed === bundle.text, `${ACTION_BUNDLE} is up to date (else: npm run build:action)`)
  t.ok((await bundleAction()).text === bundle.text, 'two builds give the same bytes')
})

t.test('the bundle holds no dev dependency and no machine path', async (t) => {
  const packages = new Set(
    bundle.inputs.flatMap((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? []),
  )
  t.ok(packages.has('@actions/core') && packages.has('@aws-sdk/client-ssm'), 'sanity: dependencies are in')
  t.strictSame(
    [...packages].filter((name) => name in manifest.devDependencies),
    [],
    'no dev dependency',
  )
  t.notOk(bundle.text.includes(root), 'no path of this checkout')
})
