import { readFile } from 'node:fs/promises'
import { createLogger } from '../../shared/log.ts'
import {
  DEFAULT_PROXY_SOCKET,
  DEFAULT_PROXY_STATE,
  SETTING_VARIABLES,
  settingsFromEnv,
} from '../config/settings.ts'
import { writeFileAtomic } from '../state/atomic-file.ts'
import { assertNoOtherProxy, listenControl } from './control-server.ts'
import { Forwarder } from './forwarder.ts'
import { EMPTY_STATE, type ProxyState, parseState } from './routes.ts'

/**
 * The proxy (`ecr-deploy-agent proxy`, or the npm bin `ecr-deploy-proxy`): holds the public ports of blue-green services and forwards them to the release
 * the agent chose. A process of its own so that restarting or upgrading the agent drops no connection;
 * its routes are on disk, so a restarted proxy forwards again at once, without the agent.
 */
const usage = (name: string): string => `Usage: ${name} [--help]

Holds the public ports of blue-green services and forwards them to the release the agent chose.
Takes no arguments; systemd runs it (agent/systemd/ecr-deploy-proxy.service).

Environment:
  ${SETTING_VARIABLES.proxySocket}  control socket (default ${DEFAULT_PROXY_SOCKET})
  ${SETTING_VARIABLES.proxyState}   routes file (default ${DEFAULT_PROXY_STATE})
`

/** Runs the proxy until SIGTERM/SIGINT, then exits the process; `args` are what follows the command. */
export async function runProxy(args: readonly string[], name: string): Promise<void> {
  if (args.length > 0) {
    // Any argument, --help included, only prints the usage: a mistyped flag must not take the ports.
    const help = args[0] === '--help' || args[0] === '-h'
    ;(help ? process.stdout : process.stderr).write(usage(name))
    process.exit(help ? 0 : 2)
  }
  const logger = createLogger('ecr-deploy-proxy')
  const { proxySocket: socketPath, proxyState: stateFile } = settingsFromEnv(process.env)
  await assertNoOtherProxy(socketPath)
  // Routes on disk were checked by this proxy before it saved them (upstreamRefusal), and Docker's bridges
  // may not be up yet at boot, so they are not checked again here.
  let state = await readState(stateFile)
  const forwarder = new Forwarder()
  for (const route of state.routes) {
    // One port taken must not keep the others down; the agent's next set retries it.
    await forwarder.set(route).catch((error: unknown) => {
      logger.error(
        { err: error, route: route.name },
        `cannot listen on ${route.listen.host}:${route.listen.port}`,
      )
    })
  }
  const control = await listenControl(socketPath, {
    forwarder,
    state: () => state,
    save: async (next) => {
      await writeFileAtomic(stateFile, `${JSON.stringify(next, null, 2)}\n`)
      state = next
      logger.info({ routes: next.routes }, 'routes changed')
    },
  })
  logger.info({ socket: socketPath, state: stateFile, routes: state.routes }, 'proxy listening')
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve)
    process.once('SIGINT', resolve)
  })
  control.close()
  forwarder.close()
  logger.info('stopped')
  process.exit(0)
}

async function readState(file: string): Promise<ProxyState> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_STATE
    throw error
  }
  try {
    return parseState(text)
  } catch (error) {
    throw new Error(`${file} is not a proxy state file (${(error as Error).message}); fix or delete it`)
  }
}
