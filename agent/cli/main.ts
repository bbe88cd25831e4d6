#!/usr/bin/env node
import { Command } from 'commander'

const program = new Command('ecr-deploy-agent')
  .description('Deploy, health-check and roll back containers on this instance.')
  .version('0.1.0')

await program.parseAsync(process.argv)
