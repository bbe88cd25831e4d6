import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'

/**
 * The flow of the blog post this project replaces, as written: log in with the ECR token, pull, stop,
 * remove, run. No health check, no rollback; `docker stop` waits its default 10 s for a process that
 * ignores SIGTERM. The token is fetched before timing (see `ecrPassword`), so the AWS CLI's own start-up
 * is not counted against it.
 */
export const BLOG_FLOW = `set -euo pipefail
printf %s "$TOKEN" | docker login -u AWS --password-stdin "$HOST" >/dev/null 2>&1
docker pull -q "$IMAGE" >/dev/null
docker stop "$NAME" >/dev/null 2>&1 || true
docker rm "$NAME" >/dev/null 2>&1 || true
docker run -d --name "$NAME" --network "$NETWORK" -p "127.0.0.1:$PORT:8080" "$IMAGE" >/dev/null
`

/** The registry password `aws ecr get-login-password` prints, from the fake ECR at `endpoint`. */
export async function ecrPassword(endpoint: string, region: string): Promise<string> {
  const ecr = new ECRClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'x' },
  })
  try {
    const out = await ecr.send(new GetAuthorizationTokenCommand({}))
    const token = out.authorizationData?.[0]?.authorizationToken
    if (token === undefined) throw new Error('the fake ECR returned no authorization token')
    const decoded = Buffer.from(token, 'base64').toString('utf8')
    return decoded.slice(decoded.indexOf(':') + 1)
  } finally {
    ecr.destroy()
  }
}
