import t from 'tap'
import { settingsFromEnv } from '../../../agent/config/settings.ts'

t.test('each setting has its default, and its variable overrides only it', async (t) => {
  t.strictSame(settingsFromEnv({}), {
    socket: '/run/ecr-deploy/agent.sock',
    configPath: '/etc/ecr-deploy/agent.yaml',
    stateDir: '/var/lib/ecr-deploy',
    proxySocket: '/run/ecr-deploy-proxy/proxy.sock',
    proxyState: '/var/lib/ecr-deploy-proxy/routes.json',
  })
  const settings = settingsFromEnv({
    ECR_DEPLOY_AGENT_STATE_DIR: '/tmp/state',
    ECR_DEPLOY_PROXY_SOCKET: '/tmp/proxy.sock',
    ECR_DEPLOY_AGENT_UNKNOWN: 'x',
  })
  t.equal(settings.stateDir, '/tmp/state')
  t.equal(settings.proxySocket, '/tmp/proxy.sock')
  t.equal(settings.configPath, '/etc/ecr-deploy/agent.yaml')
  t.ok(Object.isFrozen(settings), 'frozen')
})
