import t from 'tap'
import { trackInFlight } from '../../../agent/api/in-flight.ts'
import { FakeDeployer } from '../../support/fake-deployer.ts'

t.test('idle() waits for running deploys, and resolves at once when none runs', async (t) => {
  const fake = new FakeDeployer()
  const deployer = trackInFlight(fake)
  await deployer.idle()
  const defaultDeploy = fake.onDeploy
  let finish: () => void = () => {}
  fake.onDeploy = async (request) => {
    await new Promise<void>((resolve) => (finish = resolve))
    return defaultDeploy(request)
  }
  const deploy = deployer.deploy({ service: 'web', image: 'x' })
  t.equal(deployer.inFlight, 1)
  let idle = false
  const waiting = deployer.idle().then(() => (idle = true))
  await new Promise((resolve) => setImmediate(resolve))
  t.notOk(idle, 'still deploying')
  await deployer.status('web')
  t.equal(deployer.inFlight, 1, 'status is not counted')
  finish()
  await deploy
  await waiting
  t.ok(idle)
  t.equal(deployer.inFlight, 0)
  fake.onRollback = async () => {
    throw new Error('boom')
  }
  await t.rejects(deployer.rollback({ service: 'web' }), { message: 'boom' })
  t.equal(deployer.inFlight, 0, 'a failed operation is no longer counted')
})
