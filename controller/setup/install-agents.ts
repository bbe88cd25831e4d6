import {
  AGENT_ARCHES,
  AGENT_INSTALL_PATH,
  type AgentArch,
  artefactStem,
  UNAME_MACHINE,
} from '../../shared/agent-artefact.ts'
import { UsageError } from '../../shared/errors.ts'

/** The starter configuration written when an instance has none: the agent runs, managing nothing yet. */
export const STARTER_CONFIG = `# ecr-deploy-agent: declare the services this instance runs (see the README, "agent.yaml").
services: {}
`

/** What an instance downloads for its architecture, and the SHA-256 it must have. */
export interface ArtefactSource {
  readonly url: string
  readonly sha256: string
}

export interface InstallPlan {
  readonly version: string
  /** The architectures the fleet may have; an instance of another one fails with a message. */
  readonly artefacts: Readonly<Partial<Record<AgentArch, ArtefactSource>>>
  /** Written with mode 0600 where an instance has no configuration; an existing one is kept. */
  readonly config: string
  /**
   * Put `config` in place of an existing configuration too, once the instance's new agent has checked it:
   * how a team changes agent.yaml (its environment, a service's policy) without SSH.
   */
  readonly replaceConfig: boolean
  /** Restart the proxy too: it drops established connections, so only when asked. */
  readonly restartProxy: boolean
}

/** SSM keeps a command's parameters small; a configuration is a few hundred bytes. */
const MAX_CONFIG_BYTES = 16 * 1024
const VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/
const SHA256 = /^[0-9a-f]{64}$/

/**
 * The shell lines that install or upgrade the agent on an instance, sent with AWS-RunShellScript by an
 * administrator (the CI role may not send that document). The script downloads the tarball for the
 * instance's architecture, checks its SHA-256 against the digest computed on the administrator's
 * machine, and only then installs; on a mismatch nothing is installed. Idempotent: a binary or unit that
 * is already in place is not touched, and the agent is restarted only when something changed. The
 * binary is replaced by a rename, so a running proxy keeps serving from the old file.
 * Every value is base64 in the text, so no URL or configuration byte can reach the shell as code.
 * `ECR_DEPLOY_INSTALL_ROOT` (empty on a real instance) lets the same script run against a scratch root.
 */
export function installCommands(plan: InstallPlan): string[] {
  if (!VERSION.test(plan.version))
    throw new UsageError(`--agent-version: "${plan.version}" is not a version such as 0.1.0`)
  const bytes = Buffer.byteLength(plan.config)
  if (bytes > MAX_CONFIG_BYTES)
    throw new UsageError(`--config: ${bytes} bytes; keep the agent configuration under 16 KiB`)
  const cases: string[] = []
  for (const arch of AGENT_ARCHES) {
    const artefact = plan.artefacts[arch]
    if (artefact === undefined) continue
    if (!SHA256.test(artefact.sha256))
      throw new UsageError(`linux-${arch}: "${artefact.sha256}" is not a SHA-256`)
    cases.push(
      `  ${UNAME_MACHINE[arch]}) arch=${arch}; sum=${artefact.sha256}; url_b64=${b64(artefact.url)} ;;`,
    )
  }
  if (cases.length === 0) throw new UsageError('no agent artefact to install: give at least one architecture')
  const known = AGENT_ARCHES.filter((arch) => plan.artefacts[arch] !== undefined)
    .map((arch) => `linux-${arch}`)
    .join(', ')
  return [
    'set -eu',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
    'root="${ECR_DEPLOY_INSTALL_ROOT:-}"',
    'export PATH="$PATH:/usr/local/bin:/usr/bin:/bin"',
    `version=${plan.version}`,
    'case "$(uname -m)" in',
    ...cases,
    `  *) echo "error: this instance is $(uname -m); the artefacts sent are for ${known}" >&2; exit 3 ;;`,
    'esac',
    'command -v curl >/dev/null 2>&1 || { echo "error: curl is required on the instance to download the agent" >&2; exit 3; }',
    'work="$(mktemp -d)"',
    `trap 'rm -rf "$work"' EXIT`,
    // The URL goes to curl on stdin, not in its arguments: a presigned URL is a bearer credential.
    `printf 'url = "%s"\\n' "$(echo "$url_b64" | base64 -d)" | curl --config - --fail --silent --show-error --location --retry 3 --proto '=https,http' --output "$work/agent.tar.gz" || { echo "error: downloading the linux-$arch agent failed; nothing was installed" >&2; exit 4; }`,
    `found="$(sha256sum "$work/agent.tar.gz" | cut -d' ' -f1)"`,
    'if [ "$found" != "$sum" ]; then',
    '  echo "error: the downloaded agent does not match its checksum; nothing was installed" >&2',
    '  echo "  expected sha256 $sum" >&2',
    '  echo "  found    sha256 $found" >&2',
    '  exit 4',
    'fi',
    'tar -xzf "$work/agent.tar.gz" -C "$work"',
    `dir="$work/${artefactStem('$version', '$arch' as AgentArch)}"`,
    'cfg="$root/etc/ecr-deploy/agent.yaml"',
    // Only root reads it: the umask holds from the first byte, and cp keeps the mode.
    `(umask 077 && echo '${b64(plan.config)}' | base64 -d > "$work/agent.yaml")`,
    ...(plan.replaceConfig ? REPLACE_CHECK : []),
    `bin="$root${AGENT_INSTALL_PATH}"`,
    'agent_changed=no; units_changed=no; config_written=no',
    'if ! cmp -s "$dir/ecr-deploy-agent" "$bin"; then',
    '  install -D -m 0755 "$dir/ecr-deploy-agent" "$bin.new"',
    '  mv -f "$bin.new" "$bin"',
    '  agent_changed=yes',
    'fi',
    'for unit in ecr-deploy-agent.service ecr-deploy-proxy.service; do',
    '  if ! cmp -s "$dir/$unit" "$root/etc/systemd/system/$unit"; then',
    '    install -D -m 0644 "$dir/$unit" "$root/etc/systemd/system/$unit"',
    '    units_changed=yes',
    '  fi',
    'done',
    'if [ ! -f "$cfg" ]; then',
    '  install -d -m 0755 "$root/etc/ecr-deploy"',
    '  cp "$work/agent.yaml" "$cfg"',
    '  chmod 0600 "$cfg"',
    '  config_written=yes',
    '  echo "wrote the configuration to /etc/ecr-deploy/agent.yaml"',
    ...(plan.replaceConfig
      ? [
          'elif ! cmp -s "$work/agent.yaml" "$cfg"; then',
          '  cp "$work/agent.yaml" "$cfg.new"',
          '  chmod 0600 "$cfg.new"',
          '  mv -f "$cfg.new" "$cfg"',
          '  config_written=yes',
          '  echo "replaced the configuration in /etc/ecr-deploy/agent.yaml"',
        ]
      : []),
    'fi',
    '[ "$units_changed" = no ] || systemctl daemon-reload',
    'for unit in ecr-deploy-proxy ecr-deploy-agent; do',
    '  systemctl is-enabled --quiet "$unit" 2>/dev/null || systemctl enable "$unit"',
    'done',
    // A proxy restart drops established connections: only on request, or when it is not running.
    plan.restartProxy
      ? 'systemctl restart ecr-deploy-proxy'
      : 'systemctl is-active --quiet ecr-deploy-proxy || systemctl start ecr-deploy-proxy',
    // Containers run on their own: restarting the agent for an upgrade stops no service.
    'if [ "$agent_changed$units_changed$config_written" != nonono ]; then',
    '  systemctl restart ecr-deploy-agent',
    '  echo "ecr-deploy-agent $("$bin" --version) installed (linux-$arch)"',
    'else',
    '  systemctl is-active --quiet ecr-deploy-agent || systemctl start ecr-deploy-agent',
    '  echo "ecr-deploy-agent $("$bin" --version) already installed (linux-$arch): nothing changed"',
    'fi',
  ]
}

/**
 * Before anything is installed: the new configuration must pass the check of the agent being installed,
 * on the instance itself, or nothing changes.
 */
const REPLACE_CHECK = [
  'if ! "$dir/ecr-deploy-agent" check-config --config "$work/agent.yaml" >/dev/null; then',
  '  echo "error: the agent refuses the new configuration; nothing was installed or replaced" >&2',
  '  exit 3',
  'fi',
]

function b64(text: string): string {
  return Buffer.from(text).toString('base64')
}
