import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  AGENT_ARCHES,
  type AgentArch,
  artefactName,
  DEFAULT_RELEASE_BASE_URL,
} from '../../shared/agent-artefact.ts'
import { parseConfig } from '../../shared/agent-config/parse.ts'
import { UsageError } from '../../shared/errors.ts'
import { VERSION } from '../../shared/version.ts'
import { type InstallPlan, STARTER_CONFIG } from './install-agents.ts'

export interface ArtefactFlags {
  readonly agentVersion?: string
  /** A folder holding SHA256SUMS and the tarballs, as `npm run build:agent` writes dist/release. */
  readonly artefacts?: string
  /** A SHA256SUMS file alone, as downloaded from the release. */
  readonly sha256sums?: string
  readonly urlBase?: string
  readonly urlX64?: string
  readonly urlArm64?: string
  readonly config?: string
  readonly replaceConfig?: boolean
  readonly restartProxy?: boolean
}

/**
 * The install plan, from files on the administrator's machine: the digests come from SHA256SUMS (and,
 * with --artefacts, from the tarballs themselves, which must agree with it), the configuration is
 * checked with the agent's own parser. Everything is refused here, before anything is sent.
 */
export function installPlanFrom(flags: ArtefactFlags): InstallPlan {
  const version = flags.agentVersion ?? VERSION
  if (flags.artefacts === undefined && flags.sha256sums === undefined) {
    throw new UsageError(
      'give --artefacts <dir> (a folder with SHA256SUMS and the tarballs, e.g. dist/release after `npm run build:agent`) ' +
        "or --sha256sums <file> (the release's SHA256SUMS): the instances check the download against it",
    )
  }
  if (flags.artefacts !== undefined && flags.sha256sums !== undefined)
    throw new UsageError('give --artefacts or --sha256sums, not both')
  const sumsFile = flags.sha256sums ?? join(flags.artefacts ?? '', 'SHA256SUMS')
  const sums = parseSums(readText(sumsFile, '--sha256sums'), sumsFile)
  const base = (flags.urlBase ?? `${DEFAULT_RELEASE_BASE_URL}/v${version}`).replace(/\/+$/, '')
  const explicit: Partial<Record<AgentArch, string | undefined>> = {
    x64: flags.urlX64,
    arm64: flags.urlArm64,
  }
  const artefacts: Partial<Record<AgentArch, { url: string; sha256: string }>> = {}
  for (const arch of AGENT_ARCHES) {
    const name = artefactName(version, arch)
    const sha256 = sums.get(name)
    if (sha256 === undefined) continue
    if (flags.artefacts !== undefined) {
      const local = join(flags.artefacts, name)
      if (existsSync(local)) {
        const found = createHash('sha256').update(readFileSync(local)).digest('hex')
        if (found !== sha256) {
          throw new UsageError(
            `${local}: sha256 ${found} does not match ${sumsFile} (${sha256}); rebuild the artefacts or fetch them again`,
          )
        }
      }
    }
    artefacts[arch] = { url: checkUrl(explicit[arch] ?? `${base}/${name}`, `--url-${arch}`), sha256 }
  }
  if (Object.keys(artefacts).length === 0) {
    const wanted = AGENT_ARCHES.map((arch) => artefactName(version, arch)).join(' or ')
    throw new UsageError(`${sumsFile}: no line for ${wanted}; is --agent-version ${version} right?`)
  }
  if (flags.replaceConfig === true && flags.config === undefined)
    throw new UsageError(
      "--replace-config: give --config <file>, the configuration to put in place of each instance's own",
    )
  const config = flags.config === undefined ? STARTER_CONFIG : readText(flags.config, '--config')
  // Throws ConfigError (exit 2) naming the file and key, as the agent would on the instance.
  parseConfig(config, flags.config ?? 'the starter configuration', 'ecr-deploy-agent')
  return {
    version,
    artefacts,
    config,
    replaceConfig: flags.replaceConfig === true,
    restartProxy: flags.restartProxy === true,
  }
}

/** `sha256sum` output: `<hex>  <name>` (or `<hex> *<name>`) per line. */
function parseSums(text: string, file: string): Map<string, string> {
  const sums = new Map<string, string>()
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue
    const match = /^([0-9a-f]{64}) [ *](\S+)$/.exec(line.trim())
    if (!match)
      throw new UsageError(`${file}:${index + 1}: expected "<sha256>  <file name>", found "${line}"`)
    sums.set(match[2] ?? '', match[1] ?? '')
  }
  return sums
}

/** A plain http(s) URL: presigned S3 URLs and release assets both are. */
function checkUrl(text: string, flag: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new UsageError(`${flag}: "${text}" is not a URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UsageError(`${flag}: "${text}" is not an http or https URL`)
  if (/["\\\s\p{Cc}]/u.test(text))
    throw new UsageError(`${flag}: the URL has quotes, spaces or control characters`)
  return text
}

function readText(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? error})`)
  }
}
