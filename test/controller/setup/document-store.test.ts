import { createHash } from 'node:crypto'
import { CreateDocumentCommand, DescribeDocumentCommand } from '@aws-sdk/client-ssm'
import t from 'tap'
import { deployDocumentContent } from '../../../controller/ssm/document.ts'
import { SdkDocumentStore } from '../../../controller/ssm/document-store.ts'
import { fakeWithSsm, shellDocument } from '../../ground/fake-aws/test-clients.ts'

/*
 * `setup document` on an account that already has our document: every existing installation's upgrade.
 * Against the fake SSM, which keeps versions, the default version and content hashes as SSM does.
 */

const NAME = 'ecr-ssm-deploy'
const OLD = shellDocument(['echo "an older ecr-ssm-deploy document"'])
const NEW = deployDocumentContent()
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

async function installed(t: Parameters<typeof fakeWithSsm>[0]) {
  const { aws, ssm } = await fakeWithSsm(t)
  await ssm.send(new CreateDocumentCommand({ Name: NAME, Content: OLD, DocumentType: 'Command' }))
  const describe = async () => {
    const { Document } = await ssm.send(new DescribeDocumentCommand({ Name: NAME }))
    return {
      default: Document?.DefaultVersion,
      latest: Document?.LatestVersion,
      defaultIsNew: Document?.Hash === sha256(NEW),
    }
  }
  const operations = () => aws.calls.filter((c) => c.operation !== 'CreateDocument').map((c) => c.operation)
  return { aws, store: new SdkDocumentStore(ssm), describe, operations }
}

t.test('an installed older document is updated and the new version made the default', async (t) => {
  const { store, describe, operations } = await installed(t)
  t.strictSame(await store.install(NAME, NEW), { name: NAME, version: '2', action: 'updated' })
  t.strictSame(operations(), ['UpdateDocument', 'UpdateDocumentDefaultVersion'])
  t.strictSame(await describe(), { default: '2', latest: '2', defaultIsNew: true })

  t.strictSame(await store.install(NAME, NEW), { name: NAME, version: '2', action: 'unchanged' })
  t.strictSame(await describe(), { default: '2', latest: '2', defaultIsNew: true }, 'no third version')
})

t.test('an upgrade interrupted before the default moved is finished by the next run', async (t) => {
  const { aws, store, describe } = await installed(t)
  aws.faults.fail('UpdateDocumentDefaultVersion', { type: 'AccessDeniedException' }, 1)
  await t.rejects(store.install(NAME, NEW), {
    code: 'E_AWS_AUTH',
    message: /^UpdateDocumentDefaultVersion \(ecr-ssm-deploy\) was refused: AccessDeniedException/,
  })
  t.strictSame(await describe(), { default: '1', latest: '2', defaultIsNew: false }, 'SendCommand runs v1')

  t.strictSame(await store.install(NAME, NEW), { name: NAME, version: '2', action: 'updated' })
  t.strictSame(await describe(), { default: '2', latest: '2', defaultIsNew: true })
})

t.test('a refused update names the operation and changes nothing', async (t) => {
  const { aws, store, describe } = await installed(t)
  aws.faults.fail('UpdateDocument', { type: 'AccessDeniedException' })
  await t.rejects(store.install(NAME, NEW), {
    code: 'E_AWS_AUTH',
    message: /^UpdateDocument \(ecr-ssm-deploy\) was refused/,
  })
  t.strictSame(await describe(), { default: '1', latest: '1', defaultIsNew: false })
})
