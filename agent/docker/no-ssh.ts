/**
 * Stands in for the `ssh2` package in the agent executable. dockerode's transport module requires it for
 * `ssh://` Docker hosts, which the agent never uses (it talks to the local socket), and ssh2 carries a
 * native addon that a single executable cannot load. Anything that reaches it fails with a clear message.
 */
export class Client {
  constructor() {
    throw new Error(
      'ecr-deploy-agent reaches Docker through its local socket only; ssh:// hosts are not supported',
    )
  }
}
