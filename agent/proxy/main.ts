#!/usr/bin/env node
import { runProxy } from './run-proxy.js'

runProxy(process.argv.slice(2), 'ecr-deploy-proxy').catch((error: unknown) => {
  process.stderr.write(`error: ${(error as Error).message}\n`)
  process.exit(1)
})
