#!/usr/bin/env node
import { Command } from 'commander'

const program = new Command('ecr-deploy')
  .description('Deploy an ECR image to EC2 instances through SSM Run Command, from CI.')
  .version('0.1.0')

await program.parseAsync(process.argv)
