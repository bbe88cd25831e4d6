#!/usr/bin/env node
import { runAgentCli } from './program.ts'

// No top-level await: the same program is bundled into the agent executable, whose entry is CommonJS.
runAgentCli(process.argv).then((code) => {
  process.exitCode = code
})
