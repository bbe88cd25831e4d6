import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import type { Test } from 'tap'
import { createDeployer } from '../../agent/deploy/create-deployer.ts'
import type { Deployer, ProgressEvent } from '../../agent/deploy/deployer.ts'
import { DockerodeEngine } from '../../agent/docker/dockerode-engine.ts'
import type { DockerEngine } from '../../agent/docker/engine.ts'
import { EcrRegistryAuth } from '../../agent/ecr/ecr-registry-auth.ts'
import { systemClock } from '../../agent/health/clock.ts'
import { ParameterStore } from '../../agent/ssm/parameter-store.ts'
import { FileStateStore } from '../../agent/state/file-state-store.ts'
import { parseConfig } from '../../shared/agent-config/parse.ts'
import type { AgentConfig } from '../../shared/agent-config/types.ts'
import { createLogger } from '../../shared/log.ts'
import { RecordingDocker } from '../agent/deploy/recording-docker.ts'
import { type Ground, loadGround } from '../ground/ground.ts'
import { freePort } from './free-port.ts'

/** The SecureString the harness's `web` takes GREETING from (`envFromParameters`). */
export const GREETING_PARAMETER = '/web/greeting'

export interface Harness {
  readonly ground: Ground
  readonly agentId: string
  readonly port: number
  readonly stateDir: string
  readonly docker: RecordingDocker
  readonly state: FileStateStore
  readonly deployer: Deployer
  readonly progress: ProgressEvent[]
  /** Every line the deployer logged, at debug level and above. */
  readonly logLines: string[]
  /** Replaces the configuration, as a reload would. */
  setConfig(yaml: string): void
  configYaml(repositoryHost?: string, extra?: string): string
}

/**
 * A real Deployer over the real dockerd, the ECR-shaped registry and the process's AWS environment
 * (the fake's, set by the test file with useFakeAws): registry auth and Parameter Store are the agent's
 * own adapters, built as the agent builds them, so GetParameters runs over the wire. Every container of
 * this harness's agent id is removed at teardown.
 */
export async function startHarness(t: Test, extraServiceYaml = ''): Promise<Harness> {
  const ground = loadGround()
  const agentId = `t${randomBytes(4).toString('hex')}`
  const port = await freePort()
  const stateDir = mkdtempSync(join(tmpdir(), 'agent-deploy-state-'))
  const engine = new DockerodeEngine()
  const docker = new RecordingDocker(engine)
  const state = new FileStateStore(stateDir)
  // Written over the wire too, as `aws ssm put-parameter` would; each harness writes it afresh.
  await new SSMClient({}).send(
    new PutParameterCommand({
      Name: GREETING_PARAMETER,
      Value: 'hello from ssm',
      Type: 'SecureString',
      Overwrite: true,
    }),
  )
  const configYaml = (host = ground.registryHost, extra = extraServiceYaml) => `agentId: ${agentId}
services:
  web:
    repository: ${host}/ecr-ssm-deploy/app
    ports: ["127.0.0.1:${port}:8080"]
    env: { MODE: test }
    envFromParameters: { GREETING: ${GREETING_PARAMETER} }
    stopTimeout: 3
    keepImages: 2
    healthCheck: { http: { path: /health, port: 8080 }, interval: 0.2, timeout: 1, startPeriod: 1, retries: 3 }
${extra}`
  const logLines: string[] = []
  // The agent's own logger (its redaction included), at debug level so every line is seen.
  const logger = createLogger('ecr-deploy-agent', { write: (line: string) => logLines.push(line) })
  logger.level = 'debug'
  let config: AgentConfig = parseConfig(configYaml(), '/etc/ecr-deploy/agent.yaml', 'unused')
  const deployer = createDeployer({
    config: () => config,
    docker,
    registryAuth: new EcrRegistryAuth(),
    parameters: new ParameterStore(),
    state,
    clock: systemClock,
    logger,
  })
  t.teardown(() => removeAgentContainers(engine, agentId))
  const progress: ProgressEvent[] = []
  return {
    ground,
    agentId,
    port,
    stateDir,
    docker,
    state,
    deployer,
    progress,
    logLines,
    configYaml,
    setConfig: (yaml) => {
      config = parseConfig(yaml, '/etc/ecr-deploy/agent.yaml', 'unused')
    },
  }
}

export async function removeAgentContainers(docker: DockerEngine, agentId: string): Promise<void> {
  const containers = await docker.listContainers({ 'ecr-deploy.agent': agentId })
  await Promise.all(containers.map((c) => docker.remove(c.id)))
}

/** `GET http://127.0.0.1:<port><path>` → status and body, or the error code. */
export function get(port: number, path = '/'): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 2000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }))
    req.end()
  })
}
