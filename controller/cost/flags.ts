import { z } from 'zod'
import { UsageError } from '../../shared/errors.ts'

export interface CostFlags {
  readonly repository?: readonly string[]
  readonly pricePerGb: string
  readonly dockerhubSeats: string
  readonly dockerhubPrice: string
  readonly keep: string
  readonly untaggedDays: string
  readonly json?: boolean
  readonly region?: string
}

const amount = (flag: string) =>
  z
    .string()
    .regex(/^\d+(?:\.\d+)?$/, `${flag} must be a number such as 0.10`)
    .transform(Number)
const seats = z.string().regex(/^\d+$/, '--dockerhub-seats must be a whole number').transform(Number)

/** The flags of `ecr-deploy cost`, checked once. */
export function parseCostFlags(flags: CostFlags) {
  const parsed = z
    .object({
      pricePerGb: amount('--price-per-gb'),
      dockerhubSeats: seats,
      dockerhubPrice: amount('--dockerhub-price'),
    })
    .safeParse(flags)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new UsageError(
      `${issue?.message ?? 'invalid flags'} (got "${String(flags[issue?.path[0] as keyof CostFlags] ?? '')}")`,
    )
  }
  return Object.freeze(parsed.data)
}
