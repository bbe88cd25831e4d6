import { UsageError } from '../shared/errors.ts'

/*
 * The wave planner: targets and flags in, waves of instance ids out, nothing sent. Each wave is sent as its
 * own SSM command (explicit instance ids, under --max-concurrency and --max-errors); the rollout use case
 * bakes and decides between them.
 */

/** How far a wave takes the rollout: a number of instances, or a share of the fleet, counted cumulatively. */
export type WaveSize =
  | { readonly kind: 'count'; readonly count: number }
  | { readonly kind: 'percent'; readonly percent: number }

/** What the deploy flags ask of the rollout: its waves, the bake between them, the alarm that stops it. */
export interface RolloutOptions {
  /** Cumulative sizes; the last always reaches the whole fleet. Empty: one command, SSM's rate only. */
  readonly waves: readonly WaveSize[]
  readonly bakeSeconds: number
  /** A CloudWatch alarm (a composite one to watch several): SSM's guard and the check between waves. */
  readonly alarm?: string
}

const SIZE = /^(?:([1-9][0-9]{0,5})|([1-9][0-9]?|100)%)$/
const ALARM_NAME = /^(?!\s*$)[^\p{Cc}]{1,255}$/u
const ALL: WaveSize = { kind: 'percent', percent: 100 }

function parseSize(flag: string, text: string): WaveSize {
  const match = SIZE.exec(text.trim())
  if (!match) {
    throw new UsageError(
      `${flag}: "${text}" is not a wave size: give a number of instances (1 or more) or a share of the fleet (1% to 100%)`,
    )
  }
  return match[1] === undefined
    ? { kind: 'percent', percent: Number(match[2]) }
    : { kind: 'count', count: Number(match[1]) }
}

/** The flags as commander hands them over. */
export interface RolloutFlags {
  readonly canary?: string
  readonly waves?: string
  readonly bake?: string
  readonly alarm?: string
}

/**
 * `--canary 1|10%` is `--waves 1,100%`; `--waves 1,10%,100%` names each wave's cumulative reach. A list that
 * stops short of the fleet gets a last wave for the rest. Sizes must grow: a wave that adds nobody is refused.
 */
export function parseRolloutFlags(flags: RolloutFlags): RolloutOptions {
  if (flags.canary !== undefined && flags.waves !== undefined) {
    throw new UsageError('give either --canary or --waves, not both: --canary 1 is --waves 1,100%')
  }
  const listed =
    flags.canary !== undefined
      ? [parseSize('--canary', flags.canary)]
      : (flags.waves?.split(',').map((part) => parseSize('--waves', part)) ?? [])
  for (let i = 1; i < listed.length; i += 1) {
    const [before, size] = [listed[i - 1] as WaveSize, listed[i] as WaveSize]
    if (before.kind === size.kind && reach(size) <= reach(before)) {
      throw new UsageError(
        `--waves: "${text(size)}" after "${text(before)}" adds no instance: each wave names how far the rollout has reached, so the sizes grow, e.g. 1,10%,100%`,
      )
    }
  }
  const last = listed.at(-1)
  const waves =
    last === undefined || (last.kind === 'percent' && last.percent === 100) ? listed : [...listed, ALL]
  const bakeSeconds = flags.bake === undefined ? 0 : Number(flags.bake)
  if (!/^\d{1,5}$/.test(flags.bake ?? '0') || bakeSeconds > 86_400) {
    throw new UsageError(`--bake: "${flags.bake}" is not a whole number of seconds from 0 to 86400`)
  }
  if (bakeSeconds > 0 && waves.length === 0) {
    throw new UsageError('--bake waits between waves: give --canary or --waves too')
  }
  if (flags.alarm !== undefined && !ALARM_NAME.test(flags.alarm)) {
    throw new UsageError(`--alarm: "${flags.alarm}" is not a CloudWatch alarm name (1 to 255 characters)`)
  }
  return { waves, bakeSeconds, ...(flags.alarm === undefined ? {} : { alarm: flags.alarm }) }
}

function reach(size: WaveSize): number {
  return size.kind === 'count' ? size.count : size.percent
}

function text(size: WaveSize): string {
  return size.kind === 'count' ? String(size.count) : `${size.percent}%`
}

/**
 * The waves for a fleet: instance ids in a stable order (sorted), each wave the instances beyond the reach
 * of the one before. A share rounds up, so 10% of 5 instances is one; a wave that would add nobody on this
 * fleet (10% after 1 on 8 instances) is left out.
 */
export function planWaves(instanceIds: readonly string[], sizes: readonly WaveSize[]): string[][] {
  const ids = [...new Set(instanceIds)].sort()
  const waves: string[][] = []
  let reached = 0
  for (const size of sizes) {
    const target = size.kind === 'count' ? size.count : Math.ceil((size.percent * ids.length) / 100)
    const upTo = Math.min(ids.length, target)
    if (upTo > reached) waves.push(ids.slice(reached, upTo))
    reached = Math.max(reached, upTo)
  }
  return waves
}

/**
 * How many failed instances a wave may have before the rollout stops: --max-errors as a count, or as a
 * share of the wave (rounded down, as SSM counts its own MaxErrors).
 */
export function failuresAllowed(maxErrors: string, waveSize: number): number {
  const percent = /^(\d{1,3})%$/.exec(maxErrors)
  return percent ? Math.floor((Number(percent[1]) * waveSize) / 100) : Number(maxErrors)
}
