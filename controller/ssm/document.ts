import {
  AGENT_COMMAND,
  deployArgv,
  OPTIONAL_RELEASE_ID_PATTERN,
  pullArgv,
  resultLineText,
  rollbackArgv,
  statusArgv,
} from '../../shared/agent-contract.ts'
import { PINNED_IMAGE_PATTERN } from '../../shared/image-ref.ts'
import { RELEASE_SELECTOR_PATTERN } from '../../shared/release.ts'
import { SERVICE_NAME_PATTERN } from '../../shared/service-name.ts'
import { OLD_SSM_AGENT_MESSAGE } from '../../shared/ssm-agent.ts'

/**
 * Our SSM Command document: the only thing the CI role may send (see setup/iam.ts). Parameters reach the
 * script as SSM_<name> environment variables (interpolationType ENV_VAR) and are quoted there, never spliced
 * into the shell text with {{ }}; SSM checks each value against allowedPattern before anything runs, so a
 * crafted image or service name cannot inject a command.
 */

export const DEPLOY_DOCUMENT_NAME = 'ecr-ssm-deploy'
/** The step name: SSM reports it as the plugin name of each invocation. */
export const DEPLOY_STEP_NAME = 'ecrDeployAgent'

/** Exit code of the script on an agent too old to set SSM_* variables, as for an unknown action. */
export const OLD_AGENT_EXIT_CODE = 2

// The controller reads the agent's JSON result line; an old agent gets one too, so the report names the
// version it needs. printenv tests for the variable without reading it, which `set -u` would stop.
const oldAgentResult = resultLineText({
  result: 'failed',
  digest: null,
  previousDigest: null,
  message: OLD_SSM_AGENT_MESSAGE,
})

/** A document parameter as one word of the agent's command line: quoted, never spliced. */
const parameter = (name: 'service' | 'image' | 'release' | 'to'): string => `"$SSM_${name}"`

const PARAMETER_WORD = /^"\$SSM_[a-z]+"$/
const PLAIN_WORD = /^[A-Za-z0-9_-]+$/

/** The agent's command line, from the contract's argv; the words other than parameters are our own constants. */
function execAgent(argv: readonly string[]): string {
  const words = argv.map((word) =>
    PARAMETER_WORD.test(word) || PLAIN_WORD.test(word) ? word : shellQuote(word),
  )
  return `exec ${AGENT_COMMAND} ${words.join(' ')}`
}

const service = parameter('service')

const script = [
  'set -eu',
  'if ! printenv SSM_action >/dev/null; then',
  `  echo ${shellQuote(OLD_SSM_AGENT_MESSAGE)} >&2`,
  `  echo ${shellQuote(oldAgentResult)}`,
  `  exit ${OLD_AGENT_EXIT_CODE}`,
  'fi',
  // The SSM agent's PATH is minimal; npm's global bin directory is usually /usr/local/bin.
  'export PATH="$PATH:/usr/local/bin:/usr/bin"',
  'case "$SSM_action" in',
  // A release names one version of the release parameter, which the agent reads with its instance role;
  // the bare image is for hand use.
  '  deploy)',
  `    if [ -n "$SSM_release" ]; then ${execAgent(deployArgv({ service, release: parameter('release') }))}; fi`,
  `    ${execAgent(deployArgv({ service, image: parameter('image') }))} ;;`,
  // Only the image, with the instance role: sent to the whole fleet before the switch waves.
  '  pull)',
  `    if [ -n "$SSM_release" ]; then ${execAgent(pullArgv({ service, release: parameter('release') }))}; fi`,
  `    ${execAgent(pullArgv({ service, image: parameter('image') }))} ;;`,
  '  rollback)',
  `    if [ -n "$SSM_to" ]; then ${execAgent(rollbackArgv({ service, to: parameter('to') }))}; fi`,
  `    ${execAgent(rollbackArgv({ service }))} ;;`,
  `  status) ${execAgent(statusArgv({ service }))} ;;`,
  'esac',
  'echo "unknown action: $SSM_action" >&2',
  'exit 2',
]

/** Our own constant text as one single-quoted shell word; no parameter ever goes through this. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`
}

export function deployDocument() {
  return {
    schemaVersion: '2.2',
    description:
      'ecr-ssm-deploy: deploy, pull ahead, roll back or report a service through the ecr-deploy-agent on the instance.',
    parameters: {
      action: {
        type: 'String',
        description: 'What the agent does.',
        allowedValues: ['deploy', 'pull', 'rollback', 'status'],
        default: 'deploy',
        interpolationType: 'ENV_VAR',
      },
      service: {
        type: 'String',
        description: 'Service name from the agent configuration.',
        allowedPattern: SERVICE_NAME_PATTERN,
        interpolationType: 'ENV_VAR',
      },
      release: {
        type: 'String',
        description:
          'Release to deploy or pull: one version of its release parameter, /ecr-deploy/<environment>/<service>:<version> (deploy and pull; what ecr-deploy sends).',
        allowedPattern: `^$|${RELEASE_SELECTOR_PATTERN}`,
        default: '',
        interpolationType: 'ENV_VAR',
      },
      image: {
        type: 'String',
        description: 'Digest-pinned ECR image (deploy or pull by hand, when release is empty).',
        allowedPattern: `^$|${PINNED_IMAGE_PATTERN}`,
        default: '',
        interpolationType: 'ENV_VAR',
      },
      to: {
        type: 'String',
        description: 'Release id to roll back to (rollback only; default: the previous release).',
        allowedPattern: OPTIONAL_RELEASE_ID_PATTERN,
        default: '',
        interpolationType: 'ENV_VAR',
      },
    },
    mainSteps: [
      {
        action: 'aws:runShellScript',
        name: DEPLOY_STEP_NAME,
        precondition: { StringEquals: ['platformType', 'Linux'] },
        inputs: { timeoutSeconds: '1800', runCommand: script },
      },
    ],
  }
}

/** The document as SSM stores it (JSON text): `setup document` and the CloudFormation template use this. */
export function deployDocumentContent(): string {
  return JSON.stringify(deployDocument(), null, 2)
}
