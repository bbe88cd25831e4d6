import type { TestImageName } from './ground.ts'

/** How to build one test image on top of the busybox base, as plain data. */
export interface ImageRecipe {
  readonly name: TestImageName
  readonly repository: string
  readonly tag: string
  readonly dockerfile: string
  /** Build-context files by relative path. */
  readonly files: Readonly<Record<string, string>>
  /** Size of a random, incompressible `big.bin` written into the context at build time. */
  readonly randomBytes?: number
}

export const APP_REPOSITORY = 'ecr-ssm-deploy/app'
export const OTHER_REPOSITORY = 'ecr-ssm-deploy/other'
export const APP_PORT = 8080
/** The incompressible file that makes the `big` image big. */
export const BIG_IMAGE_RANDOM_BYTES = 50 * 1024 * 1024

/**
 * PID 1 in a container gets no default signal actions, so the entrypoint traps TERM itself:
 * it stops httpd and exits 0, which tells a clean stop apart from a SIGKILL (137).
 */
const STOPS_ON_TERM = [
  '#!/bin/sh',
  `httpd -f -p ${APP_PORT} -h /www &`,
  'child=$!',
  `trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 0' TERM INT`,
  'wait "$child"',
  '',
].join('\n')

const HTTPD = `["/bin/httpd", "-f", "-p", "${APP_PORT}", "-h", "/www"]`

function appDockerfile(base: string, cmd: string, extra: readonly string[] = []): string {
  return [`FROM ${base}`, 'COPY www /www', ...extra, `EXPOSE ${APP_PORT}`, `CMD ${cmd}`, ''].join('\n')
}

/** httpd serves `/` from index.html and answers /health with 200 only when the file exists. */
function site(version: string, healthy = true): Record<string, string> {
  return healthy ? { 'www/index.html': version, 'www/health': 'ok' } : { 'www/index.html': version }
}

/** Every test image; `base` is the local tag of the imported busybox image. */
export function imageRecipes(base: string): readonly ImageRecipe[] {
  const runScript = ['COPY run.sh /app/run.sh']
  const app = (name: TestImageName, healthy = true): ImageRecipe => ({
    name,
    repository: APP_REPOSITORY,
    tag: name,
    dockerfile: appDockerfile(base, '["/bin/sh", "/app/run.sh"]', runScript),
    files: { ...site(name, healthy), 'run.sh': STOPS_ON_TERM },
  })
  return [
    app('v1'),
    app('v2'),
    app('unhealthy', false),
    {
      name: 'crash',
      repository: APP_REPOSITORY,
      tag: 'crash',
      dockerfile: appDockerfile(base, `["/bin/sh", "-c", "echo 'crash: exiting on purpose' >&2; exit 3"]`),
      files: site('crash'),
    },
    {
      // httpd as PID 1 installs no TERM handler, so TERM is ignored unless Docker's init runs.
      name: 'noterm',
      repository: APP_REPOSITORY,
      tag: 'noterm',
      dockerfile: appDockerfile(base, HTTPD),
      files: site('noterm'),
    },
    {
      ...app('big'),
      dockerfile: appDockerfile(base, '["/bin/sh", "/app/run.sh"]', [...runScript, 'COPY big.bin /big.bin']),
      randomBytes: BIG_IMAGE_RANDOM_BYTES,
    },
    { ...app('other'), repository: OTHER_REPOSITORY, tag: 'v1' },
  ]
}
