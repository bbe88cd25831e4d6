#!/usr/bin/env node
import { exitCodeOf, formatError } from '../../shared/errors.js'
import { runProxy } from './run-proxy.js'

runProxy(process.argv.slice(2), 'ecr-deploy-proxy').catch((error: unknown) => {
  process.stderr.write(`${formatError(error, false)}\n`)
  process.exit(exitCodeOf(error))
})
