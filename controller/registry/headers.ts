import type { RateLimit } from './registry.ts'

/**
 * The next page of a tag list from `Link: </v2/x/tags/list?n=2&last=b>; rel="next"`, as a path on the
 * same registry; a link to another host is not followed.
 */
export function nextPage(link: string | null, base: URL): string | undefined {
  if (link === null) return undefined
  for (const part of link.split(',')) {
    const match = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(part)
    if (match?.[1] === undefined) continue
    const url = new URL(match[1], base)
    return url.origin === base.origin ? url.pathname + url.search : undefined
  }
  return undefined
}

/** Docker Hub's `ratelimit-limit: 100;w=21600` and `ratelimit-remaining: 76;w=21600`. */
export function rateLimit(headers: Headers): RateLimit | undefined {
  const limit = /^\s*(\d+)(?:;w=(\d+))?/.exec(headers.get('ratelimit-limit') ?? '')
  const remaining = /^\s*(\d+)/.exec(headers.get('ratelimit-remaining') ?? '')
  if (limit?.[1] === undefined || remaining?.[1] === undefined) return undefined
  return {
    limit: Number(limit[1]),
    remaining: Number(remaining[1]),
    windowSeconds: Number(limit[2] ?? 21_600),
  }
}
