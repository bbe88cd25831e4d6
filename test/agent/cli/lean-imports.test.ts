import { readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const HEAVY = /^(fastify|pino|dockerode|node-cron|yaml|zod|@aws-sdk\/.*)$/

/**
 * Every module the CLI loads at start-up, following static value imports (type-only imports are erased,
 * dynamic `import()` is what `serve` uses to load the daemon).
 */
function staticGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  const visit = (file: string): void => {
    if (graph.has(file)) return
    const text = readFileSync(file, 'utf8')
    const specifiers = [...text.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)].map(
      (match) => match[1] ?? '',
    )
    graph.set(file, specifiers)
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')))
    }
  }
  visit(entry)
  return graph
}

t.test('the CLI client path loads no daemon dependency', async (t) => {
  const graph = staticGraph(join(ROOT, 'agent/cli/main.ts'))
  const packages = new Set<string>()
  for (const specifiers of graph.values()) {
    for (const specifier of specifiers) if (!specifier.startsWith('.')) packages.add(specifier)
  }
  t.ok(graph.has(join(ROOT, 'agent/cli/client.ts')), 'the walk follows relative imports')
  t.ok(packages.has('commander'), 'the walk sees package imports')
  const heavy = [...packages].filter((name) => HEAVY.test(name))
  t.strictSame(
    heavy,
    [],
    `heavy packages reachable from: ${[...graph.keys()].map((f) => relative(ROOT, f)).join(', ')}`,
  )
  t.notOk(graph.has(join(ROOT, 'agent/main.ts')), 'agent/main.ts only through the dynamic import of serve')
})
