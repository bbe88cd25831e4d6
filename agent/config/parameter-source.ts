/**
 * Where `envFromParameters` values come from: SSM Parameter Store on EC2 (SecureStrings decrypted).
 * The SSM adapter (agent/ssm/parameter-store.ts) lives outside the deploy engine, which takes it as a port.
 */
export interface ParameterSource {
  /**
   * Values by parameter name, for every name asked. Throws a catalogue error (AwsError,
   * AwsAuthError) naming the missing or unreadable parameter instead of returning partial results.
   */
  get(names: readonly string[]): Promise<Readonly<Record<string, string>>>
}
