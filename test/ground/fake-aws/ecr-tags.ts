import type { RegistryContents, StoredManifest } from './registry-contents.ts'

interface RepoChanges {
  /** Tags PutImage added or moved, to a digest. */
  readonly added: Map<string, string>
  /** Registry tags BatchDeleteImage removed. */
  readonly removed: Set<string>
  /** Images BatchDeleteImage deleted (by digest, or by removing their last tag). */
  readonly deleted: Set<string>
}

/**
 * The fake ECR's tag changes over a registry it only reads: PutImage adds a tag to a manifest the registry
 * holds, BatchDeleteImage removes tags and images. As ECR does, removing an image's last tag deletes the
 * image. Everything else in the fake reads the registry through this, so the changes show everywhere.
 */
export class TagChanges implements RegistryContents {
  readonly #changes = new Map<string, RepoChanges>()

  private readonly base: RegistryContents

  constructor(base: RegistryContents) {
    this.base = base
  }

  #repo(name: string): RepoChanges {
    const found = this.#changes.get(name) ?? { added: new Map(), removed: new Set(), deleted: new Set() }
    this.#changes.set(name, found)
    return found
  }

  repositories(): Promise<string[]> {
    return this.base.repositories()
  }

  async tags(repository: string): Promise<string[] | undefined> {
    const tags = await this.base.tags(repository)
    if (tags === undefined) return undefined
    const changes = this.#changes.get(repository)
    if (changes === undefined) return tags
    const all = new Set([...tags.filter((tag) => !changes.removed.has(tag)), ...changes.added.keys()])
    const kept: string[] = []
    for (const tag of all) if ((await this.manifest(repository, tag)) !== undefined) kept.push(tag)
    return kept.sort()
  }

  async manifest(repository: string, reference: string): Promise<StoredManifest | undefined> {
    const changes = this.#changes.get(repository)
    if (changes === undefined) return this.base.manifest(repository, reference)
    const byTag = !reference.startsWith('sha256:')
    if (byTag && changes.removed.has(reference) && !changes.added.has(reference)) return undefined
    const found = await this.base.manifest(repository, (byTag && changes.added.get(reference)) || reference)
    return found === undefined || changes.deleted.has(found.digest) ? undefined : found
  }

  /** Points `tag` at the digest (a manifest the registry holds). */
  putTag(repository: string, tag: string, digest: string): void {
    const changes = this.#repo(repository)
    changes.added.set(tag, digest)
    changes.removed.delete(tag)
  }

  /** Removes a tag; true when it was the image's last, which deletes the image. */
  async removeTag(repository: string, tag: string, digest: string): Promise<boolean> {
    const changes = this.#repo(repository)
    changes.added.delete(tag)
    changes.removed.add(tag)
    for (const other of (await this.tags(repository)) ?? []) {
      if ((await this.manifest(repository, other))?.digest === digest) return false
    }
    changes.deleted.add(digest)
    return true
  }

  deleteImage(repository: string, digest: string): void {
    this.#repo(repository).deleted.add(digest)
  }
}
