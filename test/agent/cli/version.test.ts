import { readFileSync } from 'node:fs'
import t from 'tap'
import { AGENT_VERSION } from '../../../agent/cli/defaults.js'

t.test('the CLI reports the package version without reading package.json at start-up', async (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  t.equal(AGENT_VERSION, pkg.version, 'update agent/cli/defaults.ts when the package version changes')
})
