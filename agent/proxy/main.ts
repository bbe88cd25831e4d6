#!/usr/bin/env node
import { exitCodeOf, formatError } from '../../shared/errors.ts'
import { runProxy } from './run-proxy.ts'

runProxy(process.argv.slice(2), 'ecr-deploy-proxy').catch((error: unknown) => {
  process.stderr.write(`${formatError(error, false)}\n`)
  process.exit(exitCodeOf(error))
})
