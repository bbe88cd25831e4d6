import t from 'tap'
import { failuresAllowed, parseRolloutFlags, planWaves } from '../../controller/waves.ts'
import { UsageError } from '../../shared/errors.ts'

const ids = (n: number) => Array.from({ length: n }, (_, i) => `i-${String(i).padStart(17, '0')}`)

t.test('--canary is a first wave and the rest', async (t) => {
  t.strictSame(parseRolloutFlags({ canary: '1' }).waves, [
    { kind: 'count', count: 1 },
    { kind: 'percent', percent: 100 },
  ])
  t.strictSame(parseRolloutFlags({ canary: '10%' }).waves, [
    { kind: 'percent', percent: 10 },
    { kind: 'percent', percent: 100 },
  ])
  t.strictSame(parseRolloutFlags({}), { waves: [], bakeSeconds: 0 }, 'no flag: no waves')
})

t.test('--waves names cumulative sizes; a list short of the fleet gets a last wave', async (t) => {
  t.strictSame(parseRolloutFlags({ waves: '1,10%,100%', bake: '120', alarm: 'web-5xx' }), {
    waves: [
      { kind: 'count', count: 1 },
      { kind: 'percent', percent: 10 },
      { kind: 'percent', percent: 100 },
    ],
    bakeSeconds: 120,
    alarm: 'web-5xx',
  })
  t.strictSame(parseRolloutFlags({ waves: '2,5' }).waves.at(-1), { kind: 'percent', percent: 100 })
})

t.test('bad rollout flags are refused with the flag named', async (t) => {
  const refused = (flags: Parameters<typeof parseRolloutFlags>[0], message: RegExp) =>
    t.throws(() => parseRolloutFlags(flags), { constructor: UsageError, message })
  refused({ canary: '1', waves: '1,100%' }, /either --canary or --waves/)
  refused({ canary: '0' }, /--canary: "0" is not a wave size/)
  refused({ waves: '1,101%' }, /--waves: "101%"/)
  refused({ waves: '10%,5%' }, /"5%" after "10%" adds no instance/)
  refused({ waves: '3,3' }, /"3" after "3" adds no instance/)
  refused({ canary: '1', bake: '-1' }, /--bake: "-1"/)
  refused({ canary: '1', bake: '1.5' }, /--bake/)
  refused({ bake: '60' }, /give --canary or --waves too/)
  refused({ alarm: '' }, /--alarm/)
})

t.test('planWaves: exact waves over a sorted fleet, shares rounded up', async (t) => {
  const fleet = ids(20).reverse()
  const sizes = parseRolloutFlags({ waves: '1,10%,100%' }).waves
  const waves = planWaves(fleet, sizes)
  t.strictSame(
    waves.map((w) => w.length),
    [1, 1, 18],
  )
  t.strictSame(waves.flat(), ids(20), 'every instance once, in sorted order')
  t.strictSame(planWaves(ids(3), parseRolloutFlags({ canary: '10%' }).waves), [
    ids(3).slice(0, 1),
    ids(3).slice(1),
  ])
  t.strictSame(
    planWaves(ids(8), parseRolloutFlags({ waves: '1,10%,50%' }).waves).map((w) => w.length),
    [1, 3, 4],
    '10% of 8 is one instance, reached already: that wave is left out',
  )
  t.strictSame(
    planWaves(ids(2), parseRolloutFlags({ canary: '5' }).waves),
    [ids(2)],
    'a canary bigger than the fleet is the fleet',
  )
  t.strictSame(planWaves([], parseRolloutFlags({ canary: '1' }).waves), [])
})

t.test('failuresAllowed reads --max-errors as a count or a share of the wave, rounded down', async (t) => {
  t.equal(failuresAllowed('0', 5), 0)
  t.equal(failuresAllowed('2', 5), 2)
  t.equal(failuresAllowed('10%', 5), 0)
  t.equal(failuresAllowed('50%', 5), 2)
})
