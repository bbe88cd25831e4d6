import type { ContainerCreateOptions } from 'dockerode'
import type { ContainerSpec } from './engine.ts'

/** Pure: our ContainerSpec as the Docker Engine API's create body. */
export function containerCreateOptions(spec: ContainerSpec): ContainerCreateOptions {
  const exposed: Record<string, object> = {}
  const bindings: Record<string, Array<{ HostIp?: string; HostPort: string }>> = {}
  for (const port of spec.ports) {
    const key = `${port.containerPort}/tcp`
    exposed[key] = {}
    const binding = {
      ...(port.hostIp === undefined ? {} : { HostIp: port.hostIp }),
      // Port 0 asks Docker to pick a free host port, which it does for an empty HostPort.
      HostPort: port.hostPort === 0 ? '' : String(port.hostPort),
    }
    bindings[key] = [...(bindings[key] ?? []), binding]
  }
  return {
    name: spec.name,
    Image: spec.image,
    Labels: { ...spec.labels },
    Env: Object.entries(spec.env).map(([name, value]) => `${name}=${value}`),
    ...(spec.command === undefined ? {} : { Cmd: [...spec.command] }),
    ...(spec.user === undefined ? {} : { User: spec.user }),
    ExposedPorts: exposed,
    StopTimeout: spec.stopTimeoutSeconds,
    HostConfig: {
      PortBindings: bindings,
      Binds: spec.volumes.map((v) => `${v.hostPath}:${v.containerPath}${v.readOnly ? ':ro' : ''}`),
      RestartPolicy: { Name: spec.restart === 'no' ? '' : spec.restart },
      Init: spec.init,
      ...(spec.memoryBytes === undefined ? {} : { Memory: spec.memoryBytes }),
      ...(spec.cpus === undefined ? {} : { NanoCpus: Math.round(spec.cpus * 1e9) }),
      ...(spec.network === undefined ? {} : { NetworkMode: spec.network }),
    },
  }
}
