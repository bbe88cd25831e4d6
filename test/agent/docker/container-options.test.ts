import t from 'tap'
import { containerCreateOptions } from '../../../agent/docker/container-options.ts'

t.test('the create body carries exactly the spec', async (t) => {
  const body = containerCreateOptions({
    name: 'ecr-deploy-a1-web-r2',
    image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:${'a'.repeat(64)}`,
    labels: { 'ecr-deploy.agent': 'a1' },
    env: { MODE: 'prod' },
    command: ['serve'],
    user: '1000',
    ports: [
      { hostPort: 8080, containerPort: 80 },
      { hostIp: '127.0.0.1', hostPort: 9090, containerPort: 80 },
    ],
    volumes: [{ hostPath: '/srv', containerPath: '/data', readOnly: true }],
    restart: 'unless-stopped',
    memoryBytes: 536870912,
    cpus: 0.5,
    network: 'backend',
    init: true,
    stopTimeoutSeconds: 10,
  })
  t.strictSame(body, {
    name: 'ecr-deploy-a1-web-r2',
    Image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:${'a'.repeat(64)}`,
    Labels: { 'ecr-deploy.agent': 'a1' },
    Env: ['MODE=prod'],
    Cmd: ['serve'],
    User: '1000',
    ExposedPorts: { '80/tcp': {} },
    StopTimeout: 10,
    HostConfig: {
      PortBindings: { '80/tcp': [{ HostPort: '8080' }, { HostIp: '127.0.0.1', HostPort: '9090' }] },
      Binds: ['/srv:/data:ro'],
      RestartPolicy: { Name: 'unless-stopped' },
      Init: true,
      Memory: 536870912,
      NanoCpus: 500000000,
      NetworkMode: 'backend',
    },
  })
  t.equal(containerCreateOptions({ ...minimal(), restart: 'no' }).HostConfig?.RestartPolicy?.Name, '')
  t.strictSame(
    containerCreateOptions({ ...minimal(), ports: [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80 }] })
      .HostConfig?.PortBindings,
    { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
    'port 0 leaves the host port to Docker',
  )
})

function minimal() {
  return {
    name: 'n',
    image: 'i',
    labels: {},
    env: {},
    ports: [],
    volumes: [],
    restart: 'always' as const,
    init: false,
    stopTimeoutSeconds: 1,
  }
}
