import { DescribeImageScanFindingsCommand, ECRClient } from '@aws-sdk/client-ecr'
import { type ImageRef, repositoryUri } from '../../shared/image-ref.ts'
import { awsFailure } from '../aws-errors.ts'

/** One finding, in our words. Its text comes from the scanner's databases: untrusted data. */
export interface ScanFinding {
  readonly severity: string
  /** The vulnerability's id or title (basic: `name`; enhanced: `title`). */
  readonly title: string
  /** The affected package and version, when the scanner names one. */
  readonly packageName?: string
}

/** What ECR knows about an image's scan: nothing (no scan ever ran), or a status with what has arrived. */
export type ScanReport =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'scan'
      /** ImageScanStatus.status: COMPLETE (basic), ACTIVE (enhanced), IN_PROGRESS, PENDING, FAILED... */
      readonly status: string
      readonly description?: string
      /** Set once the findings are in (ImageScanFindings.imageScanCompletedAt). */
      readonly completedAt?: Date
      readonly findings: readonly ScanFinding[]
    }

/** DescribeImageScanFindings behind a small interface. */
export interface ScanFindings {
  /** Every page of the findings of the image pinned to its digest. */
  report(image: ImageRef): Promise<ScanReport>
}

const attribute = (
  attributes: readonly { key?: string | undefined; value?: string | undefined }[] | undefined,
  key: string,
) => attributes?.find((a) => a.key === key)?.value

export class EcrScanFindings implements ScanFindings {
  readonly #client: ECRClient

  constructor(client: ECRClient) {
    this.#client = client
  }

  static forRegion(region: string): EcrScanFindings {
    return new EcrScanFindings(new ECRClient({ region }))
  }

  async report(image: ImageRef): Promise<ScanReport> {
    const findings: ScanFinding[] = []
    let token: string | undefined
    let status = ''
    let description: string | undefined
    let completedAt: Date | undefined
    do {
      const output = await this.#client
        .send(
          new DescribeImageScanFindingsCommand({
            repositoryName: image.repository,
            registryId: image.accountId,
            imageId: { imageDigest: image.digest },
            maxResults: 1000,
            ...(token ? { nextToken: token } : {}),
          }),
        )
        .catch((error: unknown) => {
          if (error instanceof Error && error.name === 'ScanNotFoundException') return undefined
          throw awsFailure('DescribeImageScanFindings', error, `${repositoryUri(image)}@${image.digest}`)
        })
      if (output === undefined) return { kind: 'none' }
      status = output.imageScanStatus?.status ?? ''
      description = output.imageScanStatus?.description
      completedAt = output.imageScanFindings?.imageScanCompletedAt
      // Basic scanning lists `findings`, enhanced scanning (Amazon Inspector) `enhancedFindings`.
      for (const finding of output.imageScanFindings?.findings ?? []) {
        const name = attribute(finding.attributes, 'package_name')
        const version = attribute(finding.attributes, 'package_version')
        findings.push({
          severity: finding.severity ?? 'UNDEFINED',
          title: finding.name ?? '',
          ...(name === undefined ? {} : { packageName: version ? `${name} ${version}` : name }),
        })
      }
      for (const finding of output.imageScanFindings?.enhancedFindings ?? []) {
        // An enhanced finding that was suppressed or closed in Inspector no longer applies.
        if (finding.status !== undefined && finding.status !== 'ACTIVE') continue
        const pkg = finding.packageVulnerabilityDetails?.vulnerablePackages?.[0]
        findings.push({
          severity: finding.severity ?? 'UNTRIAGED',
          title: finding.packageVulnerabilityDetails?.vulnerabilityId ?? finding.title ?? '',
          ...(pkg?.name === undefined
            ? {}
            : { packageName: pkg.version ? `${pkg.name} ${pkg.version}` : pkg.name }),
        })
      }
      token = output.nextToken
    } while (token)
    return {
      kind: 'scan',
      status,
      ...(description === undefined ? {} : { description }),
      ...(completedAt === undefined ? {} : { completedAt }),
      findings,
    }
  }
}
