import { chmod, lstat, mkdir, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { UsageError } from '../../shared/errors.ts'
import { socketAnswers } from '../net/socket-answers.ts'

/**
 * Listens on a unix socket that only root can use: whoever can talk to the agent can run containers.
 * A socket file left by a crashed daemon is removed; a live daemon on the same path is never displaced.
 */
export async function listenOnSocket(app: FastifyInstance, socketPath: string): Promise<void> {
  // Only a directory we create gets 0700: an existing one (say /tmp) is not ours to change.
  await mkdir(dirname(socketPath), { recursive: true, mode: 0o700 })
  await removeStaleSocket(socketPath)
  await app.listen({ path: socketPath })
  await chmod(socketPath, 0o600)
}

async function removeStaleSocket(socketPath: string): Promise<void> {
  const stat = await lstat(socketPath).catch(() => undefined)
  if (!stat) return
  if (!stat.isSocket()) {
    throw new UsageError(
      `${socketPath} exists and is not a socket: remove it or choose another path with --socket / ECR_DEPLOY_AGENT_SOCKET`,
    )
  }
  if (await socketAnswers(socketPath)) {
    throw new UsageError(
      `another agent daemon is already listening on ${socketPath}: stop it first (systemctl stop ecr-deploy-agent) or use another --socket`,
    )
  }
  await unlink(socketPath)
}
