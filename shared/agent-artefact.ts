/*
 * The agent's release artefact, as the build writes it and `setup agents` installs it: one tarball per
 * architecture holding the executable (Node inside), both systemd units and a sample configuration.
 */

export const AGENT_ARCHES = ['x64', 'arm64'] as const
export type AgentArch = (typeof AGENT_ARCHES)[number]

/** `uname -m` on the instance, for each architecture. */
export const UNAME_MACHINE: Readonly<Record<AgentArch, string>> = { x64: 'x86_64', arm64: 'aarch64' }

/** Where the executable is installed; the units run it from here (`serve`, and `proxy` for the proxy). */
export const AGENT_INSTALL_PATH = '/usr/local/bin/ecr-deploy-agent'

/** Where releases are published; a tarball's default URL is `<base>/v<version>/<name>`. */
export const DEFAULT_RELEASE_BASE_URL = 'https://github.com/ecr-ssm-deploy/ecr-ssm-deploy/releases/download'

/** The folder inside a tarball, and the tarball's name without `.tar.gz`. */
export function artefactStem(version: string, arch: AgentArch): string {
  return `ecr-deploy-agent-${version}-linux-${arch}`
}

export function artefactName(version: string, arch: AgentArch): string {
  return `${artefactStem(version, arch)}.tar.gz`
}

export function defaultArtefactUrl(version: string, arch: AgentArch): string {
  return `${DEFAULT_RELEASE_BASE_URL}/v${version}/${artefactName(version, arch)}`
}
