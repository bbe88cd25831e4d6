/**
 * Node's compile cache for a child that gets an environment of its own: `npm test` sets NODE_COMPILE_CACHE
 * so that the many controller and action processes the tests start compile the same modules once. The
 * cache holds compiled code only, so a process runs the same with or without it.
 */
export function compileCacheEnv(): Record<string, string> {
  const dir = process.env.NODE_COMPILE_CACHE
  return dir === undefined ? {} : { NODE_COMPILE_CACHE: dir }
}
