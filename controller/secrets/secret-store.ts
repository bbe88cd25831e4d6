/**
 * What `setup pull-through-cache` needs from Secrets Manager, in our words: whether a secret exists, and
 * the names of the keys its JSON value holds. The value itself never leaves the adapter
 * (sdk-secret-store.ts): it is parsed there and only key names come back, so nothing can print it.
 */

export interface SecretDescription {
  readonly arn: string
  readonly name: string
  /** Set when the secret is scheduled for deletion: it still exists but cannot be read. */
  readonly deletedAt?: Date
}

export type SecretKeys =
  | { readonly kind: 'json'; readonly keys: readonly string[] }
  /** The value is not a JSON object (plain text, binary, or JSON of another shape). */
  | { readonly kind: 'not-json-object' }

export interface SecretStore {
  /** DescribeSecret: the secret's ARN, or undefined when there is no secret of that name. */
  describe(name: string): Promise<SecretDescription | undefined>
  /** GetSecretValue, reduced to the top-level keys of its JSON value. */
  keys(arn: string): Promise<SecretKeys>
}
