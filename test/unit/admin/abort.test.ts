/**
 * Cancellation of admin calls: the shared retry paths of {@link AdminContext} (a whole request,
 * resources by rounds) stop at their next attempt once the call's signal aborts, and the facade
 * rejects every call with `signal.reason`, at once for a signal already aborted, while a request
 * is unanswered otherwise; the admin stays usable.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { AdminContext, type ResourceError } from '../../../src/admin/context.js'
import type { Cluster } from '../../../src/cluster/cluster.js'
import { testCluster } from '../../support/test-cluster.js'
import { Kafka, KafkaConfigError } from '../../../src/index.js'
import { KafkaBrokerError, KafkaNetworkError } from '../../../src/errors.js'
import { ErrorCode } from '../../../src/protocol/error-codes.js'
import { describeGroupsApi } from '../../../src/protocol/messages/describe-groups.js'
import { FakeBroker } from '../consumer/fake-broker.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  vi.restoreAllMocks()
})

function scriptedCluster(): Cluster {
  const c = testCluster({
    clientId: 'admin-abort-unit',
    connectionTimeoutMs: 100,
    requestTimeoutMs: 100,
    retryBackoff: { initialMs: 1, maxMs: 5 },
    reconnectBackoffMs: 1,
    reconnectBackoffMaxMs: 5,
    defaultApiTimeoutMs: 5_000,
  })
  cleanups.push(() => c.close())
  return c
}

describe('AdminContext', () => {
  it('send stops retrying once the signal aborts and rejects with its reason', async () => {
    const c = scriptedCluster()
    const controller = new AbortController()
    const reason = new Error('call abandoned')
    let calls = 0
    vi.spyOn(c, 'sendTo').mockImplementation(async () => {
      if (++calls === 2) controller.abort(reason)
      throw new KafkaNetworkError('connection lost', { broker: '127.0.0.1:1' })
    })
    vi.spyOn(c, 'refreshMetadata').mockResolvedValue()
    const ctx = new AdminContext(c, 5_000).forCall({ signal: controller.signal })
    await expect(ctx.send({ nodeId: 1 }, describeGroupsApi, () => describeGroupsApi.createRequest({}), ctx.deadline({}))).rejects.toBe(reason)
    expect(calls).toBe(2)
  })

  it('perResource stops before the next round once the signal aborts', async () => {
    const c = scriptedCluster()
    const controller = new AbortController()
    const reason = new Error('rounds abandoned')
    const ctx = new AdminContext(c, 5_000).forCall({ signal: controller.signal })
    let rounds = 0
    const run = ctx.perResource<string, ResourceError>(
      ['g'],
      async (pending) => {
        rounds++
        controller.abort(reason)
        return new Map(pending.map((k) => [k, { code: ErrorCode.NOT_COORDINATOR, message: null, result: { error: null } }]))
      },
      (_key, error) => ({ error }),
      ctx.deadline({}),
      'DescribeGroups',
    )
    await expect(run).rejects.toBe(reason)
    expect(rounds).toBe(1)
  })

  it('a call without a signal runs on the shared context', () => {
    const ctx = new AdminContext(scriptedCluster(), 5_000)
    expect(ctx.forCall(undefined)).toBe(ctx)
    expect(ctx.forCall({ timeoutMs: 10 })).toBe(ctx)
  })

  it('a signal that is not an AbortSignal is a KafkaConfigError', () => {
    const ctx = new AdminContext(scriptedCluster(), 5_000)
    expect(() => ctx.forCall({ signal: 'stop' as never })).toThrow(KafkaConfigError)
  })

  it('a failed round after the abort rejects with the reason, not the round’s error', async () => {
    const ctx = new AdminContext(scriptedCluster(), 5_000)
    const controller = new AbortController()
    const reason = new Error('gone')
    const call = ctx.forCall({ signal: controller.signal })
    const run = call.perResource<string, ResourceError>(
      ['g'],
      async () => {
        controller.abort(reason)
        throw new KafkaBrokerError(ErrorCode.UNKNOWN_SERVER_ERROR)
      },
      (_key, error) => ({ error }),
      call.deadline({}),
      'DescribeGroups',
    )
    await expect(run).rejects.toBe(reason)
  })
})

describe('the admin facade', () => {
  async function start(): Promise<{ broker: FakeBroker; kafka: Kafka }> {
    const broker = await FakeBroker.start()
    broker.topics.push({ name: 't', id: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: 1 })
    const kafka = new Kafka({ clientId: 'admin-abort', brokers: [broker.address], retryBackoffMs: 5, retryBackoffMaxMs: 20 })
    cleanups.push(() => broker.close())
    cleanups.push(() => kafka.close())
    return { broker, kafka }
  }

  it('an already aborted signal rejects at once and sends nothing', async () => {
    const { broker, kafka } = await start()
    const admin = kafka.admin()
    const reason = new Error('before it started')
    await expect(admin.describeGroups(['g'], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    await expect(admin.createTopics([{ topic: 'n', numPartitions: 1 }], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    expect(broker.requests('DescribeGroups')).toHaveLength(0)
    expect(broker.requests('CreateTopics')).toHaveLength(0)
  })

  it('an abort while the broker has not answered rejects with the reason; the admin stays usable', async () => {
    const { broker, kafka } = await start()
    let answer!: () => void
    const answered = new Promise<void>((resolve) => (answer = resolve))
    broker.on('DeleteGroups', async (request) => {
      await answered
      return { results: request.groupsNames.map((groupId) => ({ groupId, errorCode: 0, errorMessage: null })) }
    })
    const admin = kafka.admin()
    const controller = new AbortController()
    const reason = new Error('taking too long')
    const call = admin.deleteGroups(['g'], { signal: controller.signal })
    await expect.poll(() => broker.requests('DeleteGroups').length).toBe(1)
    const aborted = performance.now()
    controller.abort(reason)
    await expect(call).rejects.toBe(reason)
    expect(performance.now() - aborted).toBeLessThan(100)
    // The broker answers late (as a real one would): the abandoned answer is dropped, and the next call goes through.
    answer()
    expect(await admin.listTopics()).toEqual(['t'])
  })

  it('the default reason is an AbortError DOMException', async () => {
    const { kafka } = await start()
    const failure = await kafka.admin().listTopics({ signal: AbortSignal.abort() }).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(DOMException)
    expect(failure).toMatchObject({ name: 'AbortError' })
  })
})
