import { createHash } from 'node:crypto'
import {
  CreateDocumentCommand,
  DescribeDocumentCommand,
  SSMClient,
  UpdateDocumentCommand,
  UpdateDocumentDefaultVersionCommand,
} from '@aws-sdk/client-ssm'
import { awsFailure } from '../aws-errors.ts'

export interface InstalledDocument {
  readonly name: string
  readonly version: string
  readonly action: 'created' | 'updated' | 'unchanged'
}

/** SSM documents, in our words, for `setup document`. */
export interface DocumentStore {
  /** Creates the document, else updates it and makes the new version the default; idempotent. */
  install(name: string, content: string): Promise<InstalledDocument>
}

/** The one DocumentStore over the SDK. */
export class SdkDocumentStore implements DocumentStore {
  readonly #client: SSMClient

  constructor(client: SSMClient) {
    this.#client = client
  }

  static forRegion(region: string): SdkDocumentStore {
    return new SdkDocumentStore(new SSMClient({ region }))
  }

  async install(name: string, content: string): Promise<InstalledDocument> {
    const created = await this.#client
      .send(
        new CreateDocumentCommand({
          Name: name,
          Content: content,
          DocumentType: 'Command',
          DocumentFormat: 'JSON',
        }),
      )
      .catch((error: unknown) => {
        if (error instanceof Error && error.name === 'DocumentAlreadyExists') return undefined
        throw awsFailure('CreateDocument', error, name)
      })
    if (created)
      return { name, version: created.DocumentDescription?.DocumentVersion ?? '1', action: 'created' }
    const updated = await this.#client
      .send(
        new UpdateDocumentCommand({
          Name: name,
          Content: content,
          DocumentVersion: '$LATEST',
          DocumentFormat: 'JSON',
        }),
      )
      .catch((error: unknown) => {
        if (error instanceof Error && error.name === 'DuplicateDocumentContent') return undefined
        throw awsFailure('UpdateDocument', error, name)
      })
    if (!updated) return this.#sameContent(name, content)
    return this.#makeDefault(name, updated.DocumentDescription?.DocumentVersion ?? '$LATEST')
  }

  /**
   * SSM refuses content that some version already has. If that is the latest version and it is not the
   * default, an earlier run stopped between the update and the default switch (SendCommand still runs
   * the old version): finish it. Otherwise there is nothing to do.
   */
  async #sameContent(name: string, content: string): Promise<InstalledDocument> {
    const latest = await this.#client
      .send(new DescribeDocumentCommand({ Name: name, DocumentVersion: '$LATEST' }))
      .catch((error: unknown) => {
        throw awsFailure('DescribeDocument', error, name)
      })
    const { DocumentVersion: version, DefaultVersion: current, Hash: hash } = latest.Document ?? {}
    const ours = hash === createHash('sha256').update(content).digest('hex')
    if (ours && version !== undefined && version !== current) return this.#makeDefault(name, version)
    return { name, version: current ?? 'current', action: 'unchanged' }
  }

  // SendCommand runs the default version; a new version does nothing until it is made the default.
  async #makeDefault(name: string, version: string): Promise<InstalledDocument> {
    await this.#client
      .send(new UpdateDocumentDefaultVersionCommand({ Name: name, DocumentVersion: version }))
      .catch((error: unknown) => {
        throw awsFailure('UpdateDocumentDefaultVersion', error, name)
      })
    return { name, version, action: 'updated' }
  }
}
