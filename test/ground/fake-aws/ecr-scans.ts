import type { ImageCatalog, ImageId } from './ecr-images.ts'
import { paginate } from './pagination.ts'
import {
  AwsError,
  epochSeconds,
  type JsonInput,
  optionalNumber,
  optionalString,
  requiredString,
} from './protocol.ts'
import type { RegistryContents } from './registry-contents.ts'

/**
 * The scan of one image as a test sets it, in ECR's own shapes: basic scanning answers `findings` (status
 * COMPLETE), enhanced scanning `enhancedFindings` (status ACTIVE). Without `completedAt` the findings have
 * not arrived yet and the answer has no `imageScanFindings` at all.
 */
export interface ScanAnswer {
  readonly status: string
  readonly description?: string
  /** Epoch milliseconds. */
  readonly completedAt?: number
  readonly findings?: readonly Record<string, unknown>[]
  readonly enhancedFindings?: readonly Record<string, unknown>[]
}

/** DescribeImageScanFindings, answered from what tests set per repository and digest. */
export class ScanAnswers {
  readonly #answers = new Map<string, ScanAnswer>()

  private readonly contents: RegistryContents
  private readonly catalog: ImageCatalog
  private readonly accountId: string

  constructor(contents: RegistryContents, catalog: ImageCatalog, accountId: string) {
    this.contents = contents
    this.catalog = catalog
    this.accountId = accountId
  }

  /** Sets (or, with undefined, removes) the scan of an image. */
  set(repository: string, digest: string, answer: ScanAnswer | undefined): void {
    if (answer === undefined) this.#answers.delete(`${repository}@${digest}`)
    else this.#answers.set(`${repository}@${digest}`, answer)
  }

  async describe(input: JsonInput): Promise<unknown> {
    const name = requiredString(input, 'repositoryName')
    await this.catalog.requireTags(name)
    const id = (input.imageId ?? {}) as ImageId
    const manifest = await this.contents.manifest(name, id.imageDigest ?? id.imageTag ?? '')
    if (manifest === undefined) throw this.catalog.imageNotFound(name, id)
    const answer = this.#answers.get(`${name}@${manifest.digest}`)
    if (answer === undefined) {
      throw new AwsError(
        'ScanNotFoundException',
        `Image scan does not exist for the image with '{imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'}' in the repository with name '${name}' in the registry with id '${this.accountId}'`,
      )
    }
    const enhanced = answer.enhancedFindings !== undefined
    const list = (enhanced ? answer.enhancedFindings : answer.findings) ?? []
    const page = paginate(list, optionalNumber(input, 'maxResults'), optionalString(input, 'nextToken'), 100)
    const counts: Record<string, number> = {}
    for (const finding of list) {
      const severity = String(finding.severity ?? 'UNDEFINED')
      counts[severity] = (counts[severity] ?? 0) + 1
    }
    return {
      registryId: this.accountId,
      repositoryName: name,
      imageId: {
        imageDigest: manifest.digest,
        ...(id.imageTag === undefined ? {} : { imageTag: id.imageTag }),
      },
      imageScanStatus: {
        status: answer.status,
        ...(answer.description === undefined ? {} : { description: answer.description }),
      },
      ...(answer.completedAt === undefined
        ? {}
        : {
            imageScanFindings: {
              imageScanCompletedAt: epochSeconds(answer.completedAt),
              vulnerabilitySourceUpdatedAt: epochSeconds(answer.completedAt),
              ...(list.length === 0 ? {} : { findingSeverityCounts: counts }),
              [enhanced ? 'enhancedFindings' : 'findings']: page.items,
            },
          }),
      ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
    }
  }
}
