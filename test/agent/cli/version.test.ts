import { readFileSync } from 'node:fs'
import t from 'tap'
import { AGENT_VERSION } from '../../../agent/cli/defaults.ts'
import { VERSION } from '../../../shared/version.ts'

t.test('the CLI reports the package version without reading package.json at start-up', async (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  t.equal(VERSION, pkg.version, 'update shared/version.ts when the package version changes')
  t.equal(AGENT_VERSION, VERSION, 'the agent reports the one version')
})
