import { connect } from 'node:net'

/**
 * True when something accepts connections on the unix socket: a live daemon's socket, not a file left
 * behind by one that died. The agent and the proxy both ask before they take a socket path over.
 */
export function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path: socketPath })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
