import { readFile } from 'node:fs/promises'
import { hostname as osHostname } from 'node:os'
import { parseConfig } from '../../shared/agent-config/parse.ts'
import type { AgentConfig } from '../../shared/agent-config/types.ts'
import { ConfigError } from '../../shared/errors.ts'

/** Reads and validates the configuration file. Throws ConfigError; the caller keeps its old config then. */
export async function loadConfig(file: string, hostname: string = osHostname()): Promise<AgentConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error)
    throw new ConfigError(`${file}: cannot read the configuration file (${reason})`, { cause: error })
  }
  return parseConfig(text, file, hostname)
}
