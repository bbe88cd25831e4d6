/** Labels on every managed container; other containers on the host are never touched. */
export const LABEL_AGENT = 'ecr-deploy.agent'
export const LABEL_SERVICE = 'ecr-deploy.service'
export const LABEL_RELEASE = 'ecr-deploy.release'

export function containerName(agentId: string, service: string, releaseId: string): string {
  return `ecr-deploy-${agentId}-${service}-${releaseId}`
}

/** The labels that select one service's containers (or all of an agent's, without `service`). */
export function managedLabels(agentId: string, service?: string): Readonly<Record<string, string>> {
  return service === undefined
    ? { [LABEL_AGENT]: agentId }
    : { [LABEL_AGENT]: agentId, [LABEL_SERVICE]: service }
}
