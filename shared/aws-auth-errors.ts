/**
 * SDK error names that mean "these credentials cannot do this", as opposed to a failing service: the agent
 * and the controller both turn them into E_AWS_AUTH. Query APIs (STS, IAM) spell some without `Exception`.
 */
const AUTH_ERROR_NAMES: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'CredentialsProviderError',
  'InvalidIdentityTokenException',
])

/** True for an auth failure, including every credential provider's own error (`...CredentialsError`...). */
export function isAuthErrorName(name: string): boolean {
  return AUTH_ERROR_NAMES.has(name) || /credential/i.test(name)
}
