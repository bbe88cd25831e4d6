import { SSMClient } from '@aws-sdk/client-ssm'
import type { Test } from 'tap'
import { type FakeAws, type FakeAwsOptions, startFakeAws } from './index.ts'

/**
 * Dummy static keys; the fake records the access key id of every signed request. A fresh object each
 * time: the SDK marks the credentials object it is given, so a frozen one breaks signing.
 */
export function testKeys(accessKeyId = 'AKIDFAKETEST'): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId, secretAccessKey: 'test' }
}

/** Starts a fake for one test (closed in teardown) and an SSM client pointed at it. */
export async function fakeWithSsm(
  t: Test,
  options: FakeAwsOptions = {},
): Promise<{ aws: FakeAws; ssm: SSMClient }> {
  const aws = await startFakeAws(options)
  t.teardown(() => aws.close())
  const ssm = new SSMClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials: testKeys() })
  return { aws, ssm }
}

/** A schema 2.2 Command document with one aws:runShellScript step. */
export function shellDocument(
  runCommand: string[],
  parameters: Record<string, unknown> = {},
  stepInputs: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    schemaVersion: '2.2',
    description: 'test document',
    parameters,
    mainSteps: [{ action: 'aws:runShellScript', name: 'run', inputs: { runCommand, ...stepInputs } }],
  })
}
