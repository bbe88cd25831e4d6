import { readFile } from 'node:fs/promises'
import { parseDocument } from 'yaml'
import { describeIssue } from '../shared/agent-config/parse.ts'
import { UsageError } from '../shared/errors.ts'
import { type ReleaseSpecText, releaseSpecSchema } from '../shared/release.ts'

/**
 * `--spec <file>`: the part of a service's definition that travels with the release, in agent.yaml's
 * syntax, as YAML or JSON (JSON is YAML). It is kept as written; the agent checks it against its own file.
 */
export function parseSpecText(file: string, text: string): ReleaseSpecText {
  const document = parseDocument(text, { prettyErrors: false })
  const [yamlError] = document.errors
  if (yamlError) throw new UsageError(`--spec ${file}: invalid YAML or JSON: ${yamlError.message}`)
  let data: unknown
  try {
    data = document.toJS()
  } catch (error) {
    throw new UsageError(`--spec ${file}: invalid YAML or JSON: ${(error as Error).message}`)
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError(
      `--spec ${file}: expected a mapping of spec keys (command, env, envFromParameters, healthCheck, ports, volumes, strategy, memory, cpus)`,
    )
  }
  const checked = releaseSpecSchema.safeParse(data, { reportInput: true })
  if (!checked.success) {
    throw new UsageError(
      checked.error.issues.map((issue) => `--spec ${file}: ${describeIssue(issue)}`).join('\n'),
    )
  }
  return data as ReleaseSpecText
}

export async function readSpecFile(file: string): Promise<ReleaseSpecText> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--spec ${file}: cannot read it (${error.code ?? error.message})`, { cause: error })
  })
  return parseSpecText(file, text)
}
