import { describe, expect, it } from 'vitest'
import { MetadataCache, type MetadataSnapshot } from '../../../src/cluster/metadata-cache.js'

type Partition = MetadataSnapshot['topics'][number]['partitions'][number]

function partition(index: number, leaderId: number, leaderEpoch: number): Partition {
  return { errorCode: 0, partitionIndex: index, leaderId, leaderEpoch, replicaNodes: [1, 2, 3], isrNodes: [1, 2, 3] }
}

function snapshot(topics: MetadataSnapshot['topics']): MetadataSnapshot {
  return {
    brokers: [
      { nodeId: 1, host: '127.0.0.1', port: 19092, rack: null },
      { nodeId: 2, host: '127.0.0.1', port: 29092 },
    ],
    clusterId: 'cluster-a',
    controllerId: 1,
    topics,
  }
}

const topicId = 'AAAAAAAAAAAAAAAAAAAAAQ'

describe('MetadataCache', () => {
  it('records brokers, cluster id, controller and partitions', () => {
    const cache = new MetadataCache()
    const changes = cache.apply(
      snapshot([{ errorCode: 0, name: 'orders', topicId, partitions: [partition(0, 1, 5), partition(1, 2, 3)] }]),
      ['orders'],
    )
    expect(cache.clusterId).toBe('cluster-a')
    expect(cache.controllerId).toBe(1)
    expect(cache.broker(2)).toEqual({ nodeId: 2, host: '127.0.0.1', port: 29092, rack: null })
    expect(cache.partition('orders', 1)?.leader).toBe(2)
    expect(cache.topicName(topicId)).toBe('orders')
    expect(changes.partitionCountChanged).toEqual(['orders'])
  })

  it('never takes an older leader epoch from a lagging broker, and says the response was stale', () => {
    const cache = new MetadataCache()
    cache.apply(snapshot([{ errorCode: 0, name: 't', partitions: [partition(0, 2, 7)] }]), ['t'])
    const changes = cache.apply(snapshot([{ errorCode: 0, name: 't', partitions: [partition(0, 1, 6)] }]), ['t'])
    expect(cache.partition('t', 0)).toMatchObject({ leader: 2, leaderEpoch: 7 })
    expect(changes.stale).toBe(true)
    expect(changes.leaderChanged).toEqual([])
  })

  it('reports leader moves and partition count growth', () => {
    const cache = new MetadataCache()
    cache.apply(snapshot([{ errorCode: 0, name: 't', partitions: [partition(0, 1, 1)] }]), ['t'])
    const changes = cache.apply(
      snapshot([{ errorCode: 0, name: 't', partitions: [partition(0, 2, 2), partition(1, 1, 0)] }]),
      ['t'],
    )
    expect(changes.leaderChanged).toEqual([{ topic: 't', partition: 0 }])
    expect(changes.partitionCountChanged).toEqual(['t'])
    expect(cache.topic('t')?.partitions).toHaveLength(2)
  })

  it('drops topics that are unknown, and on a full refresh those not listed', () => {
    const cache = new MetadataCache()
    cache.apply(
      snapshot([
        { errorCode: 0, name: 'a', partitions: [partition(0, 1, 0)] },
        { errorCode: 0, name: 'b', partitions: [partition(0, 1, 0)] },
      ]),
      null,
    )
    expect(cache.apply(snapshot([{ errorCode: 3, name: 'a', partitions: [] }]), ['a']).removed).toEqual(['a'])
    expect(cache.topic('b')).toBeDefined()
    expect(cache.apply(snapshot([]), null).removed).toEqual(['b'])
    expect(cache.topicNames()).toEqual([])
  })

  it('keeps what it knew when a topic reports a transient error', () => {
    const cache = new MetadataCache()
    cache.apply(snapshot([{ errorCode: 0, name: 't', partitions: [partition(0, 1, 4)] }]), ['t'])
    cache.apply(snapshot([{ errorCode: 5, name: 't', partitions: [] }]), ['t'])
    expect(cache.partition('t', 0)?.leaderEpoch).toBe(4)
  })

  it('applies a leader hint only when its epoch is newer', () => {
    const cache = new MetadataCache()
    cache.apply(snapshot([{ errorCode: 0, name: 't', partitions: [partition(0, 1, 4)] }]), ['t'])
    expect(cache.updateLeader('t', 0, 2, 4)).toBe(false)
    expect(cache.updateLeader('t', 0, 2, 5)).toBe(true)
    expect(cache.partition('t', 0)).toMatchObject({ leader: 2, leaderEpoch: 5 })
    expect(cache.updateLeader('missing', 0, 2, 9)).toBe(false)
  })
})
