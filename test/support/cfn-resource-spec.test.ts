import t from 'tap'
import { resourceSpecProblems } from './cfn-resource-spec.ts'

// The checker itself: a template the model rejects must give a problem, or the template test proves nothing.
const document = (properties: Record<string, unknown>) => ({
  Resources: { Doc: { Type: 'AWS::SSM::Document', Properties: { Content: {}, ...properties } } },
})

t.test('a well-formed resource, with intrinsic functions for values, has no problems', async (t) => {
  t.strictSame(resourceSpecProblems(document({ DocumentType: 'Command', Name: { Ref: 'DocName' } })), [])
  t.strictSame(
    resourceSpecProblems({
      Resources: { Profile: { Type: 'AWS::IAM::InstanceProfile', Properties: { Roles: [{ Ref: 'Role' }] } } },
    }),
    [],
  )
})

t.test('it names each problem by its path in the template', async (t) => {
  t.strictSame(resourceSpecProblems({ Resources: { X: { Type: 'AWS::SSM::Documents', Properties: {} } } }), [
    'Resources/X/Type: no resource type AWS::SSM::Documents',
  ])
  t.strictSame(resourceSpecProblems(document({ DocumentTyp: 'Command' })), [
    'Resources/Doc/Properties/DocumentTyp: AWS::SSM::Document has no property DocumentTyp',
  ])
  t.strictSame(resourceSpecProblems({ Resources: { Doc: { Type: 'AWS::SSM::Document', Properties: {} } } }), [
    'Resources/Doc/Properties: AWS::SSM::Document requires Content',
  ])
  t.strictSame(resourceSpecProblems(document({ UpdateMethod: 'NewVersions' })), [
    'Resources/Doc/Properties/UpdateMethod: "NewVersions" is not one of Replace, NewVersion',
  ])
  t.strictSame(resourceSpecProblems(document({ Name: 7 })), [
    'Resources/Doc/Properties/Name: expected string, got 7',
  ])
})

t.test('it reads into nested property types', async (t) => {
  t.strictSame(
    resourceSpecProblems({
      Resources: {
        Repo: {
          Type: 'AWS::ECR::Repository',
          Properties: { ImageScanningConfiguration: { ScanOnPush: 'yes', ScanOnPul: true } },
        },
      },
    }),
    [
      'Resources/Repo/Properties/ImageScanningConfiguration/ScanOnPush: expected boolean, got "yes"',
      'Resources/Repo/Properties/ImageScanningConfiguration/ScanOnPul: ImageScanningConfiguration has no property ScanOnPul',
    ],
  )
})
