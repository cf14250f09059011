/**
 * What the client knows of the cluster: brokers, topics, partitions, leaders and their epochs.
 *
 * One cache per `Kafka` root, shared by producer, consumer and admin. It is plain state with merge
 * rules and no I/O; the cluster layer feeds it Metadata responses and leader hints from Produce and
 * Fetch responses (KIP-951).
 *
 * The rule that matters most: a partition's leader epoch never goes backwards. Brokers answer
 * Metadata from their own, possibly lagging, view; taking an older epoch would route requests to a
 * leader that has already lost the partition.
 */

/** A broker as the cluster advertises it. */
export interface BrokerInfo {
  readonly nodeId: number
  readonly host: string
  readonly port: number
  readonly rack: string | null
}

/** One partition's placement. */
export interface PartitionInfo {
  readonly topic: string
  readonly partition: number
  /** Node id of the leader, or -1 while there is none (election in progress, all replicas offline). */
  readonly leader: number
  /** Epoch of that leadership; -1 when the broker did not say. */
  readonly leaderEpoch: number
  readonly replicas: readonly number[]
  readonly isr: readonly number[]
  readonly offlineReplicas: readonly number[]
  /** The partition's error code in the last Metadata response (LEADER_NOT_AVAILABLE …), 0 if none. */
  readonly errorCode: number
}

/** One topic and its partitions, indexed by partition number. */
export interface TopicInfo {
  readonly name: string
  /** Topic id in Kafka's text form. */
  readonly topicId: string
  readonly isInternal: boolean
  readonly partitions: readonly PartitionInfo[]
}

/**
 * The parts of a Metadata response the cache reads. The generated `MetadataResponse` has this shape,
 * so it can be passed as it is.
 */
export interface MetadataSnapshot {
  readonly brokers: ReadonlyArray<{ nodeId: number; host: string; port: number; rack?: string | null }>
  readonly clusterId?: string | null
  readonly controllerId?: number
  readonly topics: ReadonlyArray<{
    errorCode: number
    name: string | null
    topicId?: string
    isInternal?: boolean
    partitions: ReadonlyArray<{
      errorCode: number
      partitionIndex: number
      leaderId: number
      leaderEpoch?: number
      replicaNodes: readonly number[]
      isrNodes: readonly number[]
      offlineReplicas?: readonly number[]
    }>
  }>
}

/** What a merge changed, for the roles that move buffers or fetch positions when leaders move. */
export interface MetadataChanges {
  /** Topics whose partition count changed (new topics included). */
  readonly partitionCountChanged: string[]
  /** Partitions whose leader changed, as `topic` and `partition`. */
  readonly leaderChanged: Array<{ topic: string; partition: number }>
  /** Topics that no longer exist. */
  readonly removed: string[]
  /** True when some partition in the response was older than what the cache holds. */
  readonly stale: boolean
}

const UNKNOWN_TOPIC_OR_PARTITION = 3
const NO_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAA'

export class MetadataCache {
  #clusterId: string | null = null
  #controllerId = -1
  #brokers = new Map<number, BrokerInfo>()
  readonly #topics = new Map<string, TopicInfo>()
  #updatedAt = 0

  get clusterId(): string | null {
    return this.#clusterId
  }

  /** Node id of the active controller as brokers report it (a broker id in KRaft), -1 if unknown. */
  get controllerId(): number {
    return this.#controllerId
  }

  /** When the last Metadata response was merged (ms since the epoch), 0 before the first. */
  get updatedAt(): number {
    return this.#updatedAt
  }

  get brokers(): ReadonlyMap<number, BrokerInfo> {
    return this.#brokers
  }

  broker(nodeId: number): BrokerInfo | undefined {
    return this.#brokers.get(nodeId)
  }

  topic(name: string): TopicInfo | undefined {
    return this.#topics.get(name)
  }

  partition(topic: string, partition: number): PartitionInfo | undefined {
    return this.#topics.get(topic)?.partitions[partition]
  }

  topicNames(): string[] {
    return [...this.#topics.keys()]
  }

  /** The topic name for a topic id, for responses that carry ids only (Fetch v13+). */
  topicName(topicId: string): string | undefined {
    for (const topic of this.#topics.values()) if (topic.topicId === topicId) return topic.name
    return undefined
  }

  /**
   * Merges a Metadata response. `requested` is the list of topics asked for, or `null` when all
   * topics were asked for: then topics missing from the response are gone.
   */
  apply(snapshot: MetadataSnapshot, requested: readonly string[] | null, now = Date.now()): MetadataChanges {
    const changes: MetadataChanges = { partitionCountChanged: [], leaderChanged: [], removed: [], stale: false }
    let stale = false

    this.#brokers = new Map(
      snapshot.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack ?? null }]),
    )
    if (snapshot.clusterId !== undefined) this.#clusterId = snapshot.clusterId
    if (snapshot.controllerId !== undefined) this.#controllerId = snapshot.controllerId

    const seen = new Set<string>()
    for (const t of snapshot.topics) {
      if (t.name === null) continue
      seen.add(t.name)
      if (t.errorCode === UNKNOWN_TOPIC_OR_PARTITION) {
        if (this.#topics.delete(t.name)) changes.removed.push(t.name)
        continue
      }
      // A topic-level error (LEADER_NOT_AVAILABLE while it is being created, authorization) leaves
      // whatever we knew in place; the caller sees the error code on the response.
      if (t.errorCode !== 0) continue

      const previous = this.#topics.get(t.name)
      const partitions: PartitionInfo[] = []
      for (const p of t.partitions) {
        const incoming: PartitionInfo = {
          topic: t.name,
          partition: p.partitionIndex,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch ?? -1,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offlineReplicas: p.offlineReplicas ?? [],
          errorCode: p.errorCode,
        }
        const known = previous?.partitions[p.partitionIndex]
        if (known !== undefined && incoming.leaderEpoch >= 0 && known.leaderEpoch > incoming.leaderEpoch) {
          partitions[p.partitionIndex] = known
          stale = true
          continue
        }
        partitions[p.partitionIndex] = incoming
        if (known !== undefined && known.leader !== incoming.leader) {
          changes.leaderChanged.push({ topic: t.name, partition: p.partitionIndex })
        }
      }
      // A response that skipped a partition (it should not) must not shrink the topic.
      for (let i = 0; i < partitions.length; i++) {
        if (partitions[i] === undefined) {
          const known = previous?.partitions[i]
          partitions[i] = known ?? emptyPartition(t.name, i)
        }
      }
      if (previous === undefined || previous.partitions.length !== partitions.length) {
        changes.partitionCountChanged.push(t.name)
      }
      this.#topics.set(t.name, {
        name: t.name,
        topicId: t.topicId ?? previous?.topicId ?? NO_TOPIC_ID,
        isInternal: t.isInternal ?? false,
        partitions,
      })
    }

    if (requested === null) {
      for (const name of [...this.#topics.keys()]) {
        if (!seen.has(name)) {
          this.#topics.delete(name)
          changes.removed.push(name)
        }
      }
    }
    this.#updatedAt = now
    return { ...changes, stale }
  }

  /**
   * Applies a leader hint (KIP-951: NOT_LEADER_OR_FOLLOWER responses name the new leader). Ignored
   * unless its epoch is newer than the one cached. Returns true if the cache changed.
   */
  updateLeader(topic: string, partition: number, leader: number, leaderEpoch: number): boolean {
    const t = this.#topics.get(topic)
    const known = t?.partitions[partition]
    if (t === undefined || known === undefined || leaderEpoch <= known.leaderEpoch) return false
    const partitions = t.partitions.slice()
    partitions[partition] = { ...known, leader, leaderEpoch }
    this.#topics.set(topic, { ...t, partitions })
    return true
  }

  /** Adds or replaces a broker learnt from a leader hint's endpoint list. */
  addBroker(broker: BrokerInfo): void {
    this.#brokers.set(broker.nodeId, broker)
  }

  /** Forgets a topic (deleted by this client, or no longer of interest). */
  removeTopic(name: string): void {
    this.#topics.delete(name)
  }
}

function emptyPartition(topic: string, partition: number): PartitionInfo {
  return { topic, partition, leader: -1, leaderEpoch: -1, replicas: [], isr: [], offlineReplicas: [], errorCode: 5 }
}
