/**
 * The KIP-848 consumer group protocol: one RPC, ConsumerGroupHeartbeat, carries the subscription,
 * the partitions the member owns, and the assignment the coordinator computes for it.
 *
 * - The member id is generated here (a random UUID, ConsumerGroupHeartbeat v1, KIP-1082) and kept
 *   for the member's lifetime; epoch 0 joins, -1 leaves, -2 is a static member leaving for a
 *   restart.
 * - Every optional field is sent only when it changed since the last heartbeat the coordinator
 *   answered; after joining or after any error everything is sent again.
 * - An assignment in a response is a target: the member revokes what it owns outside the target
 *   (the consumer commits first), then takes what is new, and reports what it owns in a heartbeat
 *   sent at once (the acknowledgement). Topic ids it cannot name yet stay pending, and the metadata
 *   is refreshed until they resolve; they are never treated as revocations.
 * - FENCED_MEMBER_EPOCH and UNKNOWN_MEMBER_ID mean the coordinator has given the partitions away:
 *   they are lost, and the member joins again with epoch 0.
 * - The heartbeat interval is the coordinator's (from each response).
 * - Any failed heartbeat (lost connection, timeout, retriable error code) is followed by another
 *   with backoff, sending everything again, on a coordinator looked up afresh where the failure
 *   says it may have moved; heartbeats failing for longer than the session timeout are reported
 *   through `onError` while the member goes on trying.
 */

import { randomBytes } from 'node:crypto'
import { isWireFailure, KafkaBrokerError, KafkaError, KafkaStateError } from '../../errors.js'
import type { MetadataChanges } from '../../cluster/metadata-cache.js'
import { ErrorCode, errorCodeInfo } from '../../protocol/error-codes.js'
import { groupChannels } from '../../observability/channels.js'
import {
  consumerGroupHeartbeatApi,
  type ConsumerGroupHeartbeatRequest,
  type ConsumerGroupHeartbeatResponse,
} from '../../protocol/messages/consumer-group-heartbeat.js'
import { backoffMs } from '../../util/backoff.js'
import type { MembershipContext } from '../group-factory.js'
import type { GroupMembership, GroupMetadata, Subscription, TopicPartition } from '../membership.js'
import { CoordinatorLink } from './coordinator-link.js'
import { PollWatchdog } from './poll-watchdog.js'
import { SerialListener } from './serial-listener.js'
import { StallWatch } from './stall-watch.js'
import { SubscribedTopics } from './subscribed-topics.js'
import { Wakeup } from './wakeup.js'

type Phase = 'idle' | 'joining' | 'stable' | 'stale' | 'left' | 'failed'

const JOIN_EPOCH = 0
const LEAVE_EPOCH = -1
const STATIC_LEAVE_EPOCH = -2

/** An owned partition, by topic id (what the coordinator speaks) and by name (what the consumer speaks). */
interface OwnedPartition {
  readonly topicId: string
  readonly topic: string
  readonly partition: number
}

/** The optional fields as the coordinator last acknowledged them; null: send everything. */
interface SentState {
  readonly instanceId: string | null
  readonly topics: string
  readonly assignor: string | null
  readonly owned: string
}

const ownedKey = (topicId: string, partition: number): string => `${topicId}:${partition}`

export class ConsumerProtocolMembership implements GroupMembership {
  readonly #ctx: MembershipContext
  readonly #link: CoordinatorLink
  readonly #listener: SerialListener
  readonly #instanceId: string | null
  readonly #watchdog: PollWatchdog
  readonly #heartbeatWake = new Wakeup()
  readonly #reconcileWake = new Wakeup()
  readonly #stall: StallWatch
  #topics: SubscribedTopics | undefined
  #stopMetadataFeed: (() => void) | undefined

  #phase: Phase = 'idle'
  /** Client-generated (v1); a v0 coordinator issues one instead. */
  #memberId = randomBytes(16).toString('base64url')
  #memberIdIssued = false
  #epoch = JOIN_EPOCH
  #intervalMs: number
  #owned = new Map<string, OwnedPartition>()
  /** The coordinator's latest target: topic id → partitions. Null until the first one. */
  #target: Map<string, readonly number[]> | null = null
  /** Bumped by every new target and by fencing, so a reconciliation can tell it was overtaken. */
  #targetVersion = 0
  #reconcileNeeded = false
  /** Owned partitions whose revocation the consumer is running now. */
  readonly #revoking = new Set<string>()
  /** Topic ids of the target this member cannot name yet. */
  #unresolved = new Set<string>()
  #sent: SentState | null = null
  #heartbeatNow = true
  #heartbeatSentOnce = false
  #firstReconcileDone = false
  #closing = false
  #leaving: Promise<void> | undefined
  /** Settles `join()`: at the first reconciliation, or when the membership ends before one. */
  #joined: (() => void) | undefined

  constructor(context: MembershipContext) {
    this.#ctx = context
    this.#link = new CoordinatorLink(context.cluster, context.groupId, context.purpose)
    this.#listener = new SerialListener(context.listener)
    this.#instanceId = context.options.groupInstanceId
    this.#intervalMs = context.options.heartbeatIntervalMs
    this.#watchdog = new PollWatchdog(context.options.maxPollIntervalMs, () => this.#pollExpired())
    this.#stall = new StallWatch(
      { limitMs: context.options.sessionTimeoutMs, waitLimitMs: context.options.sessionTimeoutMs },
      () => `member ${this.#memberId} of group ${context.groupId}`,
      (error) => context.onError?.(error),
    )
  }

  /** The partitions the consumer was told it owns. */
  get owned(): readonly TopicPartition[] {
    return [...this.#owned.values()].map((p) => ({ topic: p.topic, partition: p.partition }))
  }

  /**
   * Starts the membership. The promise resolves once the member has reconciled its first
   * assignment (the listener has run), or when the membership ends before that: on `leave()`, or on
   * a fatal error, which goes to `onFatalError` and is not repeated here.
   */
  join(subscription: Subscription): Promise<void> {
    if (this.#phase !== 'idle') throw new KafkaStateError('this membership has already joined')
    const promise = new Promise<void>((resolve) => {
      this.#joined = resolve
    })
    this.#topics = new SubscribedTopics(this.#ctx.cluster, subscription, () => this.#heartbeatSoon())
    this.#stopMetadataFeed = this.#ctx.cluster.onMetadataChange((changes) => this.#metadataChanged(changes))
    this.#phase = 'joining'
    this.#watchdog.start()
    this.#topics.start()
    void this.#heartbeatLoop()
    void this.#reconcileLoop()
    return promise
  }

  resubscribe(subscription: Subscription): void {
    if (this.#topics === undefined || this.#closing) return
    this.#topics.set(subscription)
    this.#topics.start()
    const topics = this.#topics
    topics.refresh().then(
      () => this.#heartbeatSoon(),
      () => this.#heartbeatSoon(),
    )
  }

  leave(): Promise<void> {
    this.#leaving ??= this.#leave()
    return this.#leaving
  }

  metadata(): GroupMetadata {
    return {
      groupId: this.#ctx.groupId,
      generationId: this.#phase === 'stable' || this.#phase === 'joining' ? this.#epoch : -1,
      memberId: this.#memberId,
      groupInstanceId: this.#instanceId,
    }
  }

  polled(): void {
    this.#watchdog.polled()
    if (this.#phase === 'stale') {
      this.#phase = 'joining'
      this.#epoch = JOIN_EPOCH
      this.#sent = null
      this.#heartbeatSoon()
    }
  }

  commitRejected(errorCode: number): void {
    // The heartbeat finds out what happened (fenced, or only a newer epoch) and acts on it.
    if (
      errorCode === ErrorCode.STALE_MEMBER_EPOCH ||
      errorCode === ErrorCode.FENCED_MEMBER_EPOCH ||
      errorCode === ErrorCode.UNKNOWN_MEMBER_ID
    ) {
      this.#heartbeatSoon()
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Heartbeats

  async #heartbeatLoop(): Promise<void> {
    let failures = 0
    let nextAt = 0
    // The subscription's names become topics of interest (a pattern is matched first), so that the
    // metadata refreshes of reconciliation learn their topic ids.
    while (!this.#closing && this.#phase !== 'failed') {
      try {
        await (this.#topics as SubscribedTopics).refresh()
        break
      } catch (error) {
        if (error instanceof KafkaError && !error.retriable) return this.#fail(error)
        await this.#heartbeatWake.sleep(backoffMs(failures++, this.#ctx.cluster.options.retryBackoff))
      }
    }
    failures = 0
    while (!this.#closing && this.#phase !== 'failed') {
      if (this.#phase === 'stale' || this.#phase === 'left') {
        await this.#heartbeatWake.sleep()
        continue
      }
      if (!this.#heartbeatNow && Date.now() < nextAt) {
        await this.#heartbeatWake.sleep(nextAt - Date.now())
        continue
      }
      this.#heartbeatNow = false
      const request = this.#buildRequest()
      const sentAt = Date.now()
      let response: ConsumerGroupHeartbeatResponse
      try {
        response = await this.#link.send(consumerGroupHeartbeatApi, (version) => this.#forVersion(request, version), undefined, {
          channel: groupChannels.heartbeat,
          protocol: 'consumer',
          memberId: request.memberId,
          generationId: request.memberEpoch,
        })
        this.#heartbeatSentOnce = true
      } catch (error) {
        if (this.#closing || this.#ctx.cluster.isClosed) return
        if (error instanceof KafkaError && !error.retriable) {
          this.#fail(error)
          return
        }
        this.#sent = null
        this.#stall.begin()
        this.#stall.failed(error)
        // A lost coordinator (the link forgot it) is looked up again after the base backoff: the
        // member's assignment waits on finding the new one. Other failures back off further each time.
        const backoff = this.#ctx.cluster.options.retryBackoff
        const coordinatorLost = isWireFailure(error)
        nextAt = Date.now() + (coordinatorLost ? backoff.initialMs : backoffMs(failures++, backoff))
        continue
      }
      if (this.#closing) return
      // A poll timeout while this heartbeat was in flight: the member has left; ignore the answer.
      if ((this.#phase as Phase) === 'stale') continue
      if (response.errorCode === ErrorCode.NONE) {
        failures = 0
        this.#stall.progressed()
        this.#accepted(request, response)
        nextAt = sentAt + this.#intervalMs
      } else {
        this.#sent = null
        this.#stall.begin()
        this.#stall.failed(new KafkaBrokerError(response.errorCode, `ConsumerGroupHeartbeat failed: ${errorCodeInfo(response.errorCode).name}`))
        nextAt = Date.now() + this.#heartbeatFailed(response, failures++)
      }
    }
  }

  #buildRequest(): ConsumerGroupHeartbeatRequest {
    const topics = (this.#topics as SubscribedTopics).topics
    const sent = this.#sent
    const topicsKey = topics.join('\u0000')
    const owned = this.#ownedByTopic()
    const ownedNow = owned.map((t) => `${t.topicId}:${t.partitions.join(',')}`).join(';')
    const assignor = this.#ctx.options.groupRemoteAssignor
    return consumerGroupHeartbeatApi.createRequest({
      groupId: this.#ctx.groupId,
      memberId: this.#memberId,
      memberEpoch: this.#epoch,
      instanceId: sent === null || sent.instanceId !== this.#instanceId ? this.#instanceId : null,
      rebalanceTimeoutMs: sent === null ? this.#ctx.options.maxPollIntervalMs : -1,
      subscribedTopicNames: sent === null || sent.topics !== topicsKey ? [...topics] : null,
      serverAssignor: sent === null || sent.assignor !== assignor ? assignor : null,
      // An empty list says "owns nothing"; null says "unchanged".
      topicPartitions: sent === null || sent.owned !== ownedNow ? owned : null,
    })
  }

  /** A v0 coordinator issues the member id: the first join goes without one. */
  #forVersion(request: ConsumerGroupHeartbeatRequest, version: number): ConsumerGroupHeartbeatRequest {
    if (version >= 1 || this.#memberIdIssued || request.memberEpoch !== JOIN_EPOCH) return request
    return { ...request, memberId: '' }
  }

  #accepted(request: ConsumerGroupHeartbeatRequest, response: ConsumerGroupHeartbeatResponse): void {
    const previous = this.#sent
    this.#sent = {
      instanceId: request.instanceId ?? previous?.instanceId ?? null,
      topics: request.subscribedTopicNames === null ? (previous?.topics ?? '') : request.subscribedTopicNames.join('\u0000'),
      assignor: request.serverAssignor ?? previous?.assignor ?? null,
      owned:
        request.topicPartitions === null
          ? (previous?.owned ?? '')
          : request.topicPartitions.map((t) => `${t.topicId}:${t.partitions.join(',')}`).join(';'),
    }
    if (response.memberId !== null && response.memberId !== '' && response.memberId !== this.#memberId) {
      this.#memberId = response.memberId
      this.#memberIdIssued = true
    }
    this.#epoch = response.memberEpoch
    if (response.heartbeatIntervalMs > 0) this.#intervalMs = response.heartbeatIntervalMs
    if (this.#phase === 'joining') this.#phase = 'stable'
    if (response.assignment !== null) {
      this.#target = new Map(response.assignment.topicPartitions.map((t) => [t.topicId, [...t.partitions]]))
      this.#targetVersion++
      this.#reconcileNeeded = true
      this.#reconcileWake.notify()
    }
  }

  /** Acts on an error code; returns how long to wait before the next heartbeat. */
  #heartbeatFailed(response: ConsumerGroupHeartbeatResponse, failures: number): number {
    const code = response.errorCode
    const backoff = backoffMs(failures, this.#ctx.cluster.options.retryBackoff)
    switch (code) {
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
        this.#link.forget()
        return 0
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
        return backoff
      case ErrorCode.FENCED_MEMBER_EPOCH:
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.#fenced()
        return 0
      default: {
        // UNRELEASED_INSTANCE_ID, GROUP_AUTHORIZATION_FAILED, INVALID_REQUEST, GROUP_MAX_SIZE_REACHED,
        // UNSUPPORTED_ASSIGNOR, GROUP_ID_NOT_FOUND (a classic group of that name) … end the membership.
        const info = errorCodeInfo(code)
        if (info.retriable) return backoff
        // A broker without KIP-848 groups (before Kafka 4.0, or group.version off) answers this.
        const hint = code === ErrorCode.UNSUPPORTED_VERSION ? "; the broker has no KIP-848 consumer groups: use groupProtocol: 'classic'" : ''
        this.#fail(
          new KafkaBrokerError(code, `ConsumerGroupHeartbeat for group ${this.#ctx.groupId} failed: ${response.errorMessage ?? info.name}${hint}`),
        )
        return 0
      }
    }
  }

  /** The coordinator took our partitions away: they are lost; join again with epoch 0. */
  #fenced(): void {
    this.#epoch = JOIN_EPOCH
    this.#target = null
    this.#targetVersion++
    this.#unresolved.clear()
    this.#phase = 'joining'
    this.#releaseAll('lost')
  }

  // ---------------------------------------------------------------------------------------------
  // Reconciliation

  async #reconcileLoop(): Promise<void> {
    while (!this.#closing && this.#phase !== 'failed') {
      if (!this.#reconcileNeeded) {
        await this.#reconcileWake.sleep(this.#unresolved.size > 0 ? this.#intervalMs : undefined)
        if (this.#unresolved.size > 0 && this.#target !== null) {
          // Topic ids we could not name: look again (they may belong to topics created since).
          await this.#ctx.cluster.refreshMetadata().catch(() => {})
          this.#reconcileNeeded = true
        }
        continue
      }
      this.#reconcileNeeded = false
      await this.#reconcile()
    }
  }

  /** Moves the owned partitions towards the target: revoke first, then assign, then acknowledge. */
  async #reconcile(): Promise<void> {
    const target = this.#target
    if (target === null) return
    const version = this.#targetVersion
    const resolved = new Map<string, OwnedPartition>()
    const unresolved = new Set<string>()
    for (const [topicId, partitions] of target) {
      const topic = this.#ctx.cluster.metadata.topicName(topicId)
      if (topic === undefined) {
        unresolved.add(topicId)
        continue
      }
      for (const partition of partitions) resolved.set(ownedKey(topicId, partition), { topicId, topic, partition })
    }
    const newlyUnresolved = [...unresolved].some((id) => !this.#unresolved.has(id))
    this.#unresolved = unresolved
    if (newlyUnresolved) {
      await this.#ctx.cluster.refreshMetadata().catch(() => {})
      this.#reconcileNeeded = true
      return
    }

    // A partition of a topic id we cannot name yet stays owned: pending is not revoked.
    const revoked = [...this.#owned.entries()].filter(([key, p]) => !resolved.has(key) && !unresolved.has(p.topicId))
    if (revoked.length > 0) {
      for (const [key] of revoked) this.#revoking.add(key)
      await this.#listener.revoked(revoked.map(([, p]) => ({ topic: p.topic, partition: p.partition })))
      for (const [key] of revoked) {
        this.#revoking.delete(key)
        this.#owned.delete(key)
      }
      this.#heartbeatSoon()
    }
    if (this.#closing || this.#phase !== 'stable' || version !== this.#targetVersion) return

    const added = [...resolved.entries()].filter(([key]) => !this.#owned.has(key))
    if (added.length > 0 || !this.#firstReconcileDone) {
      for (const [key, p] of added) this.#owned.set(key, p)
      await this.#listener.assigned(added.map(([, p]) => ({ topic: p.topic, partition: p.partition })))
      this.#heartbeatSoon()
    }
    if (!this.#firstReconcileDone && version === this.#targetVersion) {
      this.#firstReconcileDone = true
      this.#joined?.()
    }
  }

  #metadataChanged(changes: MetadataChanges): void {
    if (this.#closing) return
    if (this.#unresolved.size > 0 && changes.partitionCountChanged.length > 0) {
      this.#reconcileNeeded = true
      this.#reconcileWake.notify()
    }
    const topics = this.#topics
    // New matches come from the periodic listing; a deleted match should leave the subscription now.
    if (topics?.isPattern === true && changes.removed.some((t) => topics.topics.includes(t))) {
      topics.refresh().then((changed) => changed && this.#heartbeatSoon(), () => {})
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Leaving

  #pollExpired(): void {
    if (this.#closing || this.#phase === 'idle' || this.#phase === 'failed' || this.#phase === 'stale') return
    const epoch = this.#epoch
    this.#phase = 'stale'
    this.#target = null
    this.#targetVersion++
    this.#releaseAll('lost')
    // Java leaves with -1 here even for static members: the application is stuck, not restarting.
    if (epoch > 0 || this.#heartbeatSentOnce) void this.#sendLeave(LEAVE_EPOCH)
  }

  async #leave(): Promise<void> {
    if (this.#phase === 'idle') {
      this.#phase = 'left'
      return
    }
    const wasFailed = this.#phase === 'failed'
    this.#closing = true
    this.#stall.progressed()
    this.#watchdog.stop()
    this.#topics?.stop()
    this.#stopMetadataFeed?.()
    this.#heartbeatWake.notify()
    this.#reconcileWake.notify()
    await this.#listener.idle()
    if (this.#owned.size > 0) this.#releaseAll(this.#phase === 'joining' ? 'lost' : 'revoked')
    await this.#listener.idle()
    if (!wasFailed && this.#phase !== 'stale' && this.#heartbeatSentOnce) {
      await this.#sendLeave(this.#instanceId === null ? LEAVE_EPOCH : STATIC_LEAVE_EPOCH)
    }
    this.#phase = wasFailed ? 'failed' : 'left'
    this.#joined?.()
  }

  async #sendLeave(epoch: number): Promise<void> {
    try {
      await this.#link.send(
        consumerGroupHeartbeatApi,
        () =>
          consumerGroupHeartbeatApi.createRequest({
            groupId: this.#ctx.groupId,
            memberId: this.#memberId,
            memberEpoch: epoch,
            instanceId: this.#instanceId,
          }),
        undefined,
        // The leave is a heartbeat with epoch -1 (or -2 for a static member).
        { channel: groupChannels.heartbeat, protocol: 'consumer', memberId: this.#memberId, generationId: epoch },
      )
    } catch {
      // Best effort: the session timeout removes a member whose leave did not arrive.
    }
    this.#epoch = JOIN_EPOCH
    this.#sent = null
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** Gives up everything owned, except partitions whose revocation is already running. */
  #releaseAll(how: 'lost' | 'revoked'): void {
    const partitions = [...this.#owned.entries()]
      .filter(([key]) => !this.#revoking.has(key))
      .map(([, p]) => ({ topic: p.topic, partition: p.partition }))
    this.#owned.clear()
    this.#revoking.clear()
    if (partitions.length === 0) return
    void (how === 'lost' ? this.#listener.lost(partitions) : this.#listener.revoked(partitions))
    this.#heartbeatSoon()
  }

  #ownedByTopic(): Array<{ topicId: string; partitions: number[] }> {
    const byTopic = new Map<string, number[]>()
    for (const p of this.#owned.values()) {
      const list = byTopic.get(p.topicId)
      if (list === undefined) byTopic.set(p.topicId, [p.partition])
      else list.push(p.partition)
    }
    return [...byTopic]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([topicId, partitions]) => ({ topicId, partitions: partitions.sort((x, y) => x - y) }))
  }

  #heartbeatSoon(): void {
    this.#heartbeatNow = true
    this.#heartbeatWake.notify()
  }

  #fail(error: KafkaError): void {
    if (this.#phase === 'failed' || this.#closing) return
    this.#phase = 'failed'
    this.#stall.progressed()
    this.#watchdog.stop()
    this.#topics?.stop()
    this.#heartbeatWake.notify()
    this.#reconcileWake.notify()
    this.#releaseAll('lost')
    this.#joined?.()
    this.#ctx.onFatalError(error)
  }
}
