import t from 'tap'
import { releaseContainerSpec } from '../../../agent/deploy/container-spec.ts'
import { parseConfig } from '../../../shared/agent-config/parse.ts'

const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web'

t.test('a release container comes from configuration and image only, with our labels last', async (t) => {
  const config = parseConfig(
    `services:
  web:
    repository: ${REPO}
    ports: ["8080:80"]
    labels: { team: core, ecr-deploy.release: spoofed }
    command: [serve]
    stopTimeout: 4
`,
    'f',
    'host-1',
  )
  const service = config.services.web
  if (!service) throw new Error('no web service')
  const image = `${REPO}@sha256:${'a'.repeat(64)}`
  t.strictSame(
    releaseContainerSpec({ agentId: 'host-1', service, releaseId: 'r7', image, env: { A: '1' } }),
    {
      name: 'ecr-deploy-host-1-web-r7',
      image,
      labels: {
        team: 'core',
        'ecr-deploy.release': 'r7',
        'ecr-deploy.agent': 'host-1',
        'ecr-deploy.service': 'web',
      },
      env: { A: '1' },
      command: ['serve'],
      ports: [{ hostPort: 8080, containerPort: 80 }],
      volumes: [],
      restart: 'unless-stopped',
      init: true,
      stopTimeoutSeconds: 4,
    },
  )
})

t.test(
  'blue-green: each release publishes on loopback, on a port Docker picks; the proxy holds the public one',
  async (t) => {
    const config = parseConfig(
      `services:
  web:
    repository: ${REPO}
    strategy: blue-green
    ports: ["0.0.0.0:80:8080", "9090:9000"]
`,
      'f',
      'host-1',
    )
    const service = config.services.web
    if (!service) throw new Error('no web service')
    const spec = releaseContainerSpec({ agentId: 'host-1', service, releaseId: 'r2', image: 'i', env: {} })
    t.strictSame(spec.ports, [
      { hostIp: '127.0.0.1', hostPort: 0, containerPort: 8080 },
      { hostIp: '127.0.0.1', hostPort: 0, containerPort: 9000 },
    ])
  },
)
