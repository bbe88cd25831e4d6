import { UsageError } from '../../shared/errors.js'

/** The starter configuration written when an instance has none: the agent runs, managing nothing yet. */
export const STARTER_CONFIG = `# ecr-deploy-agent: declare the services this instance runs (see the README, "The agent").
services: {}
`

const VERSION = /^(?:latest|\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/
/** SSM keeps a command's parameters small; a configuration is a few hundred bytes. */
const MAX_CONFIG_BYTES = 16 * 1024

/**
 * The shell lines that install or upgrade the agent on an instance, sent with AWS-RunShellScript by an
 * administrator (the CI role may not send that document). Idempotent: the package is installed at the
 * requested version, the unit refreshed, an existing configuration kept, the service (re)started.
 * `ECR_DEPLOY_INSTALL_ROOT` (empty on a real instance) lets the same script run against a scratch root.
 */
export function installCommands(version: string, config: string = STARTER_CONFIG): string[] {
  if (!VERSION.test(version))
    throw new UsageError(`--agent-version: "${version}" is not "latest" or a version such as 0.1.0`)
  if (Buffer.byteLength(config) > MAX_CONFIG_BYTES) {
    throw new UsageError(
      `--config: ${Buffer.byteLength(config)} bytes; keep the starter configuration under 16 KiB`,
    )
  }
  // Base64 travels through SSM and the shell without quoting questions.
  const encoded = Buffer.from(config).toString('base64')
  return [
    'set -eu',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
    'root="${ECR_DEPLOY_INSTALL_ROOT:-}"',
    'export PATH="$PATH:/usr/local/bin:/usr/bin"',
    'command -v node >/dev/null 2>&1 || { echo "Node.js 20 or newer is required on the instance" >&2; exit 3; }',
    `npm install --global --no-audit --no-fund "ecr-ssm-deploy@${version}"`,
    'unit="$(npm root --global)/ecr-ssm-deploy/agent/systemd/ecr-deploy-agent.service"',
    'install -D -m 0644 "$unit" "$root/etc/systemd/system/ecr-deploy-agent.service"',
    'if [ ! -f "$root/etc/ecr-deploy/agent.yaml" ]; then',
    '  install -d -m 0755 "$root/etc/ecr-deploy"',
    `  echo '${encoded}' | base64 -d > "$root/etc/ecr-deploy/agent.yaml"`,
    '  echo "wrote a starter configuration to /etc/ecr-deploy/agent.yaml"',
    'fi',
    'systemctl daemon-reload',
    'systemctl enable ecr-deploy-agent',
    // Containers run on their own: restarting the agent for an upgrade does not stop any service.
    'systemctl restart ecr-deploy-agent',
    'echo "ecr-deploy-agent $(ecr-deploy-agent --version) is running"',
  ]
}
