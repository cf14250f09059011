import { describe, expect, it } from 'vitest'
import { KafkaConfigError, KafkaStateError } from '../../../../src/errors.js'
import {
  memberRebalanceProtocol,
  performAssignment,
  resolveAssignors,
  selectGroupProtocol,
} from '../../../../src/consumer/group/assignor.js'
import type { AssignorInput, ConsumerAssignor } from '../../../../src/consumer/options.js'
import { input, names } from './helpers.js'

describe('protocol selection as the coordinator does it', () => {
  it('picks range for members on Java’s default [range, cooperative-sticky]', () => {
    const java = ['range', 'cooperative-sticky']
    expect(selectGroupProtocol([java, java, java])).toBe('range')
  })

  it('moves to cooperative-sticky only once most members list it first', () => {
    const upgraded = ['cooperative-sticky', 'range']
    const old = ['range', 'cooperative-sticky']
    expect(selectGroupProtocol([old, upgraded, old])).toBe('range')
    expect(selectGroupProtocol([upgraded, upgraded, old])).toBe('cooperative-sticky')
  })

  it('considers only protocols every member supports', () => {
    expect(selectGroupProtocol([['roundrobin', 'range'], ['range'], ['cooperative-sticky', 'range']])).toBe('range')
    expect(selectGroupProtocol([['roundrobin'], ['range']])).toBeNull()
    expect(selectGroupProtocol([])).toBeNull()
  })

  it('is cooperative only when every offered assignor is', () => {
    expect(memberRebalanceProtocol(resolveAssignors(['cooperative-sticky']))).toBe('cooperative')
    expect(memberRebalanceProtocol(resolveAssignors(['range', 'cooperative-sticky']))).toBe('eager')
    expect(memberRebalanceProtocol(resolveAssignors(['roundrobin']))).toBe('eager')
  })

  it('refuses an assignor name listed twice', () => {
    const custom: ConsumerAssignor = { name: 'range', rebalanceProtocol: 'eager', assign: () => new Map() }
    expect(() => resolveAssignors(['range', custom])).toThrow(KafkaConfigError)
  })
})

describe('custom assignors', () => {
  const everythingTo = (target: string, rebalanceProtocol: 'eager' | 'cooperative' = 'eager'): ConsumerAssignor => ({
    name: `all-to-${target}`,
    rebalanceProtocol,
    assign: (spec: AssignorInput) => {
      const all: Array<{ topic: string; partition: number }> = []
      for (const [topic, count] of spec.partitionsPerTopic) for (let p = 0; p < count; p++) all.push({ topic, partition: p })
      return new Map([[target, all]])
    },
  })

  it('get every member’s subscription and the partition counts, and members they leave out get nothing', () => {
    let seen: AssignorInput | undefined
    const spy: ConsumerAssignor = {
      ...everythingTo('b'),
      assign: (spec) => {
        seen = spec
        return everythingTo('b').assign(spec)
      },
    }
    const spec = input(
      [
        { id: 'a', topics: ['t'], instance: 'ia' },
        { id: 'b', topics: ['t', 'u'], owned: [['t', 1]], generation: 4 },
      ],
      { t: 2, u: 1 },
    )
    const result = performAssignment(spy, spec, 'eager')
    expect(seen?.members.map((m) => [m.memberId, m.groupInstanceId, m.topics, m.generationId])).toEqual([
      ['a', 'ia', ['t'], -1],
      ['b', null, ['t', 'u'], 4],
    ])
    expect(result.get('a')).toEqual([])
    expect(names(result, 'b')).toEqual(['t-0', 't-1', 'u-0'])
  })

  it('are held to the cooperative rule when the member is cooperative', () => {
    const spec = input(
      [
        { id: 'a', topics: ['t'], owned: [['t', 0]] },
        { id: 'b', topics: ['t'], owned: [['t', 1]] },
      ],
      { t: 3 },
    )
    const result = performAssignment(everythingTo('b', 'cooperative'), spec, 'cooperative')
    // t-0 is still a's: it cannot go to b in this round.
    expect(names(result, 'b')).toEqual(['t-1', 't-2'])
  })

  it('are refused when they name unknown members, missing partitions or a partition twice', () => {
    const spec = input([{ id: 'a', topics: ['t'] }], { t: 2 })
    const bad = (assign: ConsumerAssignor['assign']): ConsumerAssignor => ({ name: 'bad', rebalanceProtocol: 'eager', assign })
    expect(() => performAssignment(bad(() => new Map([['ghost', []]])), spec, 'eager')).toThrow(KafkaStateError)
    expect(() => performAssignment(bad(() => new Map([['a', [{ topic: 't', partition: 2 }]]])), spec, 'eager')).toThrow(
      /does not exist/,
    )
    expect(() =>
      performAssignment(
        bad(() => new Map([['a', [{ topic: 't', partition: 0 }, { topic: 't', partition: 0 }]]])),
        spec,
        'eager',
      ),
    ).toThrow(/twice/)
  })
})
