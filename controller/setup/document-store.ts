import {
  CreateDocumentCommand,
  type SSMClient,
  UpdateDocumentCommand,
  UpdateDocumentDefaultVersionCommand,
} from '@aws-sdk/client-ssm'
import { awsFailure } from '../aws-errors.js'

export interface InstalledDocument {
  readonly name: string
  readonly version: string
  readonly action: 'created' | 'updated' | 'unchanged'
}

/** Installs our SSM document idempotently: create, else update and make the new version the default. */
export class DocumentStore {
  readonly #client: SSMClient

  constructor(client: SSMClient) {
    this.#client = client
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
    if (!updated) return { name, version: 'current', action: 'unchanged' }
    const version = updated.DocumentDescription?.DocumentVersion ?? '$LATEST'
    // SendCommand runs the default version; a new version does nothing until it is made the default.
    await this.#client
      .send(new UpdateDocumentDefaultVersionCommand({ Name: name, DocumentVersion: version }))
      .catch((error: unknown) => {
        throw awsFailure('UpdateDocumentDefaultVersion', error, name)
      })
    return { name, version, action: 'updated' }
  }
}
