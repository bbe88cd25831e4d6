import { createHash } from 'node:crypto'
import { parse as parseYaml } from 'yaml'
import { AwsError, epochSeconds, type JsonInput, optionalString, requiredString } from '../protocol.ts'
import type { JsonOperations } from '../server.ts'

/** A parameter definition of a Command document. */
export interface ParameterDefinition {
  readonly type: string
  readonly description?: string
  readonly default?: unknown
  readonly allowedValues?: string[]
  readonly allowedPattern?: string
  readonly interpolationType?: string
}

/** One mainSteps entry; `name` becomes the plugin name. */
export interface DocumentStep {
  readonly action: string
  readonly name: string
  readonly inputs: Record<string, unknown>
  /** e.g. `{ StringEquals: ['platformType', 'Linux'] }`; see precondition.ts. */
  readonly precondition?: unknown
}

/** The parsed content of one document version. */
export interface ParsedDocument {
  readonly schemaVersion: string
  readonly parameters: Record<string, ParameterDefinition>
  readonly mainSteps: DocumentStep[]
}

interface DocumentVersion {
  readonly version: string
  readonly content: string
  readonly format: string
  readonly parsed: ParsedDocument
  readonly createdAt: number
}

interface StoredDocument {
  readonly name: string
  readonly type: string
  readonly versions: DocumentVersion[]
  defaultVersion: string
}

const NAME_PATTERN = /^[a-zA-Z0-9_.-]{3,128}$/

const RUN_SHELL_SCRIPT = {
  schemaVersion: '2.2',
  description: 'Run a shell script.',
  parameters: {
    commands: { type: 'StringList', description: 'Commands to run.' },
    workingDirectory: { type: 'String', default: '', description: 'Working directory.' },
    executionTimeout: {
      type: 'String',
      default: '3600',
      allowedPattern: '([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800)',
    },
  },
  mainSteps: [
    {
      action: 'aws:runShellScript',
      name: 'aws:runShellScript',
      inputs: {
        runCommand: '{{ commands }}',
        workingDirectory: '{{ workingDirectory }}',
        timeoutSeconds: '{{ executionTimeout }}',
      },
    },
  ],
}

/** SSM documents with versions; SendCommand resolves a name and version to parsed content here. */
export class Documents {
  readonly #docs = new Map<string, StoredDocument>()

  private readonly now: () => number

  constructor(now: () => number) {
    this.now = now
    // AWS-owned documents exist in every account; AWS-RunShellScript is the one bootstrap commands use.
    // The real one is schema 1.2; this 2.2 equivalent has the same parameters and plugin name.
    this.#docs.set('AWS-RunShellScript', {
      name: 'AWS-RunShellScript',
      type: 'Command',
      versions: [this.#version('1', { Content: JSON.stringify(RUN_SHELL_SCRIPT), DocumentFormat: 'JSON' })],
      defaultVersion: '1',
    })
  }

  /** The parsed document for a name (or ARN) and version (`$DEFAULT` when absent). */
  resolve(
    nameOrArn: string,
    version: string | undefined,
  ): { name: string; version: string; parsed: ParsedDocument } {
    const name = nameOrArn.split('document/').pop() ?? nameOrArn
    const found = this.#pick(this.#find(name), version)
    return { name, version: found.version, parsed: found.parsed }
  }

  readonly operations: JsonOperations = {
    CreateDocument: (input) => {
      const name = requiredString(input, 'Name')
      if (!NAME_PATTERN.test(name) || /^(aws|amazon|amzn)/i.test(name)) {
        throw new AwsError('ValidationException', `Document name '${name}' is not valid`)
      }
      if (this.#docs.has(name))
        throw new AwsError('DocumentAlreadyExists', 'Document with same name already exists.')
      const doc: StoredDocument = {
        name,
        type: optionalString(input, 'DocumentType') ?? 'Command',
        versions: [this.#version('1', input)],
        defaultVersion: '1',
      }
      this.#docs.set(name, doc)
      return { DocumentDescription: this.#describe(doc, doc.versions[0] as DocumentVersion) }
    },
    UpdateDocument: (input) => {
      const doc = this.#find(requiredString(input, 'Name'))
      const base = this.#pick(doc, optionalString(input, 'DocumentVersion') ?? '$LATEST')
      const latest = doc.versions.at(-1) as DocumentVersion
      if (base !== latest) {
        throw new AwsError('InvalidDocumentVersion', 'You can only update the latest version of a document.')
      }
      const content = requiredString(input, 'Content')
      if (doc.versions.some((v) => v.content === content)) {
        throw new AwsError(
          'DuplicateDocumentContent',
          'The content of the association document matches another document. Change the content of the document and try again.',
        )
      }
      const next = this.#version(String(doc.versions.length + 1), input)
      doc.versions.push(next)
      return { DocumentDescription: this.#describe(doc, next) }
    },
    DescribeDocument: (input) => {
      const doc = this.#find(requiredString(input, 'Name'))
      return { Document: this.#describe(doc, this.#pick(doc, optionalString(input, 'DocumentVersion'))) }
    },
    UpdateDocumentDefaultVersion: (input) => {
      const doc = this.#find(requiredString(input, 'Name'))
      doc.defaultVersion = this.#pick(doc, requiredString(input, 'DocumentVersion')).version
      return { Description: { Name: doc.name, DefaultVersion: doc.defaultVersion } }
    },
  }

  #find(name: string): StoredDocument {
    const doc = this.#docs.get(name)
    if (doc === undefined)
      throw new AwsError('InvalidDocument', `Document ${name} does not exist in your account`)
    return doc
  }

  #pick(doc: StoredDocument, version: string | undefined): DocumentVersion {
    const wanted =
      version === undefined || version === '$DEFAULT'
        ? doc.defaultVersion
        : version === '$LATEST'
          ? String(doc.versions.length)
          : version
    const found = doc.versions.find((v) => v.version === wanted)
    if (found === undefined)
      throw new AwsError('InvalidDocumentVersion', `Document version ${version} is not valid`)
    return found
  }

  #version(version: string, input: JsonInput): DocumentVersion {
    const content = requiredString(input, 'Content')
    const format = optionalString(input, 'DocumentFormat') ?? 'JSON'
    return { version, content, format, parsed: parseContent(content, format), createdAt: this.now() }
  }

  #describe(doc: StoredDocument, version: DocumentVersion) {
    return {
      Name: doc.name,
      DocumentVersion: version.version,
      LatestVersion: String(doc.versions.length),
      DefaultVersion: doc.defaultVersion,
      Status: 'Active',
      Hash: createHash('sha256').update(version.content).digest('hex'),
      HashType: 'Sha256',
      SchemaVersion: version.parsed.schemaVersion,
      DocumentType: doc.type,
      DocumentFormat: version.format,
      PlatformTypes: ['Linux', 'MacOS'],
      CreatedDate: epochSeconds(version.createdAt),
      Owner: '123456789012',
      Parameters: Object.entries(version.parsed.parameters).map(([name, def]) => ({
        Name: name,
        Type: def.type,
        ...(def.description === undefined ? {} : { Description: def.description }),
        ...(def.default === undefined ? {} : { DefaultValue: String(def.default) }),
      })),
    }
  }
}

/** Parses JSON or YAML document content and checks the parts the fake relies on. */
export function parseContent(content: string, format: string): ParsedDocument {
  let raw: unknown
  try {
    raw = format === 'YAML' ? parseYaml(content) : JSON.parse(content)
  } catch (error) {
    throw invalid(`content is not valid ${format}: ${(error as Error).message}`)
  }
  const doc = raw as { schemaVersion?: unknown; parameters?: unknown; mainSteps?: unknown }
  if (typeof doc?.schemaVersion !== 'string') throw invalid('schemaVersion is required')
  const parameters = (doc.parameters ?? {}) as Record<string, ParameterDefinition>
  for (const [name, def] of Object.entries(parameters)) {
    if (!/^[a-zA-Z0-9]+$/.test(name)) throw invalid(`parameter name ${name} must match ^[a-zA-Z0-9]+$`)
    if (typeof def?.type !== 'string') throw invalid(`parameter ${name} has no type`)
  }
  if (!Array.isArray(doc.mainSteps) || doc.mainSteps.length === 0)
    throw invalid('mainSteps must be a non-empty list')
  const names = new Set<string>()
  for (const step of doc.mainSteps as DocumentStep[]) {
    if (typeof step?.action !== 'string' || typeof step.name !== 'string')
      throw invalid('each step needs action and name')
    if (names.has(step.name)) throw invalid(`step name ${step.name} is not unique`)
    names.add(step.name)
  }
  return { schemaVersion: doc.schemaVersion, parameters, mainSteps: doc.mainSteps as DocumentStep[] }
}

function invalid(reason: string): AwsError {
  return new AwsError('InvalidDocumentContent', reason)
}
