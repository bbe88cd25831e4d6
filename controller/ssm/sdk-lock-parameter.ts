import {
  DeleteParameterCommand,
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm'
import { awsFailure } from '../aws-errors.ts'
import type { LockParameterStore, StoredLock } from '../lock/lock-store.ts'

const nameOf = (error: unknown) => (error instanceof Error ? error.name : '')

/** The deploy lock's parameter through the SDK: PutParameter, GetParameter and DeleteParameter only. */
export class SdkLockParameterStore implements LockParameterStore {
  readonly #client: SSMClient

  constructor(client: SSMClient) {
    this.#client = client
  }

  static forRegion(region: string): SdkLockParameterStore {
    return new SdkLockParameterStore(new SSMClient({ region }))
  }

  async create(name: string, value: string): Promise<boolean> {
    return this.#client
      .send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: false }))
      .then(
        () => true,
        (error: unknown) => {
          if (nameOf(error) === 'ParameterAlreadyExists') return false
          throw awsFailure('PutParameter', error, name)
        },
      )
  }

  async overwrite(name: string, value: string): Promise<number> {
    const output = await this.#client
      .send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }))
      .catch((error: unknown) => {
        throw awsFailure('PutParameter', error, name)
      })
    return output.Version ?? 0
  }

  read(name: string): Promise<StoredLock | undefined> {
    return this.#get(name)
  }

  readVersion(name: string, version: number): Promise<StoredLock | undefined> {
    return this.#get(`${name}:${version}`)
  }

  async remove(name: string): Promise<boolean> {
    return this.#client.send(new DeleteParameterCommand({ Name: name })).then(
      () => true,
      (error: unknown) => {
        if (nameOf(error) === 'ParameterNotFound') return false
        throw awsFailure('DeleteParameter', error, name)
      },
    )
  }

  async #get(selector: string): Promise<StoredLock | undefined> {
    const output = await this.#client
      .send(new GetParameterCommand({ Name: selector }))
      .catch((error: unknown) => {
        if (['ParameterNotFound', 'ParameterVersionNotFound'].includes(nameOf(error))) return undefined
        throw awsFailure('GetParameter', error, selector)
      })
    const parameter = output?.Parameter
    if (parameter?.Value === undefined || parameter.Version === undefined) return undefined
    return { value: parameter.Value, version: parameter.Version }
  }
}
