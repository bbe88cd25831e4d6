import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** PEM files for the registry's TLS: a test CA and a server certificate it signed. */
export interface TlsFiles {
  readonly caCert: string
  readonly serverCert: string
  readonly serverKey: string
}

/**
 * Creates the test CA and a server certificate for `hosts` in `dir`, or reuses them when they are
 * there: the CA is also installed in Docker's certs.d, and keeping it stable across runs keeps
 * that trust valid.
 */
export function ensureTlsFiles(dir: string, hosts: readonly string[]): TlsFiles {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const files = {
    caCert: join(dir, 'ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
  }
  if (existsSync(files.caCert) && existsSync(files.serverCert) && existsSync(files.serverKey)) return files
  const caKey = join(dir, 'ca.key')
  const csr = join(dir, 'server.csr')
  const ext = join(dir, 'server.ext')
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey])
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-sha256',
    '-days',
    '3650',
    '-subj',
    '/CN=ecr-ssm-deploy test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    files.caCert,
  ])
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', files.serverKey])
  openssl(['req', '-new', '-key', files.serverKey, '-subj', `/CN=${hosts[0]}`, '-out', csr])
  // Go (the registry, dockerd) only trusts the subjectAltName, never the CN.
  writeFileSync(
    ext,
    [
      `subjectAltName=${hosts.map((host) => `DNS:${host}`).join(',')}`,
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
    ].join('\n'),
  )
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    files.caCert,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-days',
    '825',
    '-sha256',
    '-extfile',
    ext,
    '-out',
    files.serverCert,
  ])
  return files
}

/** Makes dockerd trust the test CA for `host`; dockerd reads certs.d per request, no restart needed. */
export function trustInDocker(host: string, caCert: string): void {
  const dir = join('/etc/docker/certs.d', host)
  mkdirSync(dir, { recursive: true })
  copyFileSync(caCert, join(dir, 'ca.crt'))
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}
