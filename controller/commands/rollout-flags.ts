import type { Command } from 'commander'

/**
 * `--canary`, `--waves`, `--bake`, `--alarm` and `--no-prepull`: how `deploy` and `rollback` roll a release
 * out (waves.ts, prepull.ts).
 * A rollback is a release like any other, and one that goes back far (`--to 7`) deserves a canary too.
 */
export function withRolloutFlags(command: Command): Command {
  return command
    .option(
      '--canary <n|%>',
      'send the release to this many instances first, then the rest (= --waves <n>,100%)',
    )
    .option(
      '--waves <list>',
      'cumulative wave sizes, e.g. 1,10%,100%: one SSM command per wave, each at --max-concurrency',
    )
    .option(
      '--bake <seconds>',
      'wait this long after each wave, watching --alarm, before the next (default 0)',
    )
    .option(
      '--alarm <name>',
      'CloudWatch alarm (one; a composite alarm watches several): SSM stops a command while it is in ALARM, and the rollout is aborted and rolled back',
    )
    .option(
      '--no-prepull',
      'do not have every target pull the image before the first wave (each wave then pulls as it switches)',
    )
}
