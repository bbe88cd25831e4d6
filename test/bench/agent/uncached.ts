import { setTimeout as sleep } from 'node:timers/promises'
import type Docker from 'dockerode'

/**
 * Removes an image from the engine so that the next deploy has to pull it, and checks with an inspect
 * that it is gone. Another test on the shared engine may hold the image in a container of its own; then
 * this waits for it (up to `waitMs`) rather than touch that container, and answers false if it stayed.
 */
export async function makeUncached(
  docker: Docker,
  refs: readonly string[],
  waitMs = 20_000,
): Promise<boolean> {
  const deadline = Date.now() + waitMs
  for (;;) {
    for (const ref of refs) {
      await docker
        .getImage(ref)
        .remove()
        .catch(() => undefined)
    }
    const left = await Promise.all(
      refs.map((ref) =>
        docker
          .getImage(ref)
          .inspect()
          .catch(() => undefined),
      ),
    )
    if (left.every((image) => image === undefined)) return true
    if (Date.now() > deadline) return false
    await sleep(500)
  }
}
