/**
 * The classic group protocol (Java `AbstractCoordinator` / `ConsumerCoordinator`).
 *
 * Two background activities drive the membership:
 *
 * - the rebalance loop: whenever a re-join is needed it gives up partitions as the rebalance
 *   protocol says (eager: all of them; cooperative: those of topics no longer subscribed; all of
 *   them as *lost* when the generation was reset), sends JoinGroup (re-sending at once on
 *   MEMBER_ID_REQUIRED), runs the group's assignor when it is the leader, sends SyncGroup, and
 *   hands the result to the consumer: eager assigns everything; cooperative revokes what moved
 *   away, assigns what is new, and re-joins if it revoked anything so the next round can hand the
 *   revoked partitions to their new owners;
 * - the heartbeat loop: while the member is stable it sends Heartbeat every
 *   `heartbeatIntervalMs`. It is quiet while JoinGroup or SyncGroup waits at the coordinator: the
 *   broker answers one connection's requests in order, so a heartbeat would queue behind the parked
 *   request, time out and take the connection (and the parked request) down with it; a member
 *   awaiting join or sync needs no heartbeat to keep its session. REBALANCE_IN_PROGRESS asks for a
 *   re-join, unless a JoinGroup went out after that heartbeat (the join is already part of the
 *   rebalance); ILLEGAL_GENERATION,
 *   UNKNOWN_MEMBER_ID and FENCED_INSTANCE_ID only count when the generation the heartbeat carried
 *   is still the current one, so a late answer cannot reset a newer generation.
 *
 * A live member that can reach a coordinator always re-joins: a rebalance that fails in any way
 * (an error code, a lost connection, a timeout) keeps the re-join pending, forgets the coordinator
 * when the failure says it may have moved, and tries again with backoff. A member that stays
 * without an assignment past the session timeout says so through `onError` and goes on trying.
 *
 * A poll watchdog leaves the group when the application stops taking records for
 * `maxPollIntervalMs`; the next `polled()` joins again. The leader re-joins when the partition
 * count of a subscribed topic changes; pattern subscriptions are matched again on every refresh of
 * the topic list.
 */

import { isWireFailure, KafkaBrokerError, KafkaError, KafkaStateError } from '../../errors.js'
import type { MetadataChanges } from '../../cluster/metadata-cache.js'
import { ErrorCode, errorCodeInfo } from '../../protocol/error-codes.js'
import type { JoinGroupResponse } from '../../protocol/messages/join-group.js'
import { backoffMs } from '../../util/backoff.js'
import type { MembershipContext } from '../group-factory.js'
import type { GroupMembership, GroupMetadata, Subscription, TopicPartition } from '../membership.js'
import type { ConsumerAssignor } from '../options.js'
import { memberRebalanceProtocol, resolveAssignors, type RebalanceProtocol } from './assignor.js'
import { decodeAssignment, encodeSubscription } from '../../protocol/consumer-protocol.js'
import { CoordinatorLink } from './coordinator-link.js'
import {
  sendHeartbeat,
  sendJoinGroup,
  sendLeaveGroup,
  sendSyncGroup,
  type MemberIdentity,
} from './classic-requests.js'
import { decodeMembers, leaderAssignments } from './leader-assignment.js'
import { PartitionSet } from './partition-set.js'
import { PollWatchdog } from './poll-watchdog.js'
import { SerialListener } from './serial-listener.js'
import { StallWatch } from './stall-watch.js'
import { SubscribedTopics } from './subscribed-topics.js'
import { Wakeup } from './wakeup.js'

/**
 * Where the member stands. `joining`: JoinGroup in flight (no heartbeats: the coordinator holds the
 * request and the session cannot expire meanwhile); `syncing`: SyncGroup in flight; `stable`:
 * assignment received; `stale`: left after a poll timeout, waiting for the application.
 */
type Phase = 'idle' | 'joining' | 'syncing' | 'stable' | 'stale' | 'left' | 'failed'

const NO_GENERATION = -1
const JOIN_TIMEOUT_MARGIN_MS = 5_000

/** Thrown inside a rebalance when `leave()` or a poll timeout cut it short. */
class Interrupted extends Error {}

export class ClassicMembership implements GroupMembership {
  readonly #ctx: MembershipContext
  readonly #link: CoordinatorLink
  readonly #listener: SerialListener
  readonly #assignors: ConsumerAssignor[]
  readonly #protocol: RebalanceProtocol
  readonly #instanceId: string | null
  readonly #watchdog: PollWatchdog
  readonly #rebalanceWake = new Wakeup()
  readonly #heartbeatWake = new Wakeup()
  readonly #stall: StallWatch
  #topics: SubscribedTopics | undefined

  #phase: Phase = 'idle'
  #memberId = ''
  #generationId = NO_GENERATION
  #leaderId = ''
  #owned = PartitionSet.EMPTY
  /** Why the next rebalance is needed; null when none is. */
  #rejoinReason: string | null = null

  /** Leader only: every member's topics, and the partition counts the last assignment used. */
  #groupTopics: ReadonlySet<string> = new Set()
  #assignedCounts: ReadonlyMap<string, number> | null = null
  readonly #interestAdded = new Set<string>()
  #stopMetadataFeed: (() => void) | undefined

  #lastHeartbeatOk = 0
  /**
   * JoinGroup requests sent so far. A heartbeat answer that reports a rebalance is stale once a
   * JoinGroup went out after its heartbeat: that join takes part in the rebalance.
   */
  #joinsSent = 0
  #closing = false
  #closed: Promise<never>
  #close: () => void = () => {}
  #leaving: Promise<void> | undefined
  /** Settles `join()`: at the first assignment, or when the membership ends before one. */
  #joined: (() => void) | undefined

  constructor(context: MembershipContext) {
    this.#ctx = context
    this.#link = new CoordinatorLink(context.cluster, context.groupId, context.purpose)
    this.#listener = new SerialListener(context.listener)
    this.#assignors = resolveAssignors(context.options.partitionAssigners)
    this.#protocol = memberRebalanceProtocol(this.#assignors)
    this.#instanceId = context.options.groupInstanceId
    this.#watchdog = new PollWatchdog(context.options.maxPollIntervalMs, () => this.#pollExpired())
    this.#stall = new StallWatch(
      { limitMs: context.options.sessionTimeoutMs, waitLimitMs: this.#rebalanceRequestTimeout() + context.options.sessionTimeoutMs },
      () => `member ${this.#memberId || '(unassigned)'} of group ${context.groupId}`,
      (error) => context.onError?.(error),
    )
    this.#closed = new Promise<never>((_, reject) => {
      this.#close = () => reject(new Interrupted())
    })
    this.#closed.catch(() => {})
  }

  /** The rebalance protocol this member follows (from its assignors). */
  get rebalanceProtocol(): RebalanceProtocol {
    return this.#protocol
  }

  /** The partitions the consumer was told it owns. */
  get owned(): readonly TopicPartition[] {
    return this.#owned.toArray()
  }

  /**
   * Starts the membership. The promise resolves once the member has its first assignment (the
   * listener has run), or when the membership ends before that: on `leave()`, or on a fatal error,
   * which goes to `onFatalError` and is not repeated here.
   */
  join(subscription: Subscription): Promise<void> {
    if (this.#phase !== 'idle') throw new KafkaStateError('this membership has already joined')
    const promise = new Promise<void>((resolve) => {
      this.#joined = resolve
    })
    this.#topics = new SubscribedTopics(this.#ctx.cluster, subscription, () => this.#requestRejoin('pattern matches changed'))
    this.#stopMetadataFeed = this.#ctx.cluster.onMetadataChange((changes) => this.#metadataChanged(changes))
    this.#phase = 'joining'
    this.#rejoinReason = 'joining'
    this.#watchdog.start()
    this.#topics.start()
    void this.#rebalanceLoop()
    void this.#heartbeatLoop()
    return promise
  }

  resubscribe(subscription: Subscription): void {
    if (this.#topics === undefined || this.#closing) return
    this.#topics.set(subscription)
    this.#topics.start()
    this.#requestRejoin('subscription changed')
  }

  leave(): Promise<void> {
    this.#leaving ??= this.#leave()
    return this.#leaving
  }

  metadata(): GroupMetadata {
    return {
      groupId: this.#ctx.groupId,
      generationId: this.#generationId,
      memberId: this.#memberId,
      groupInstanceId: this.#instanceId,
    }
  }

  polled(): void {
    this.#watchdog.polled()
    if (this.#phase === 'stale') {
      this.#phase = this.#generationId === NO_GENERATION ? 'joining' : 'stable'
      this.#rebalanceWake.notify()
    }
  }

  commitRejected(errorCode: number, generationId?: number): void {
    const current = generationId === undefined || generationId === this.#generationId
    switch (errorCode) {
      case ErrorCode.REBALANCE_IN_PROGRESS:
        // Mid-rebalance already: the join under way is the re-join. A commit of an older
        // generation reports the rebalance that made the current one.
        if (this.#phase === 'stable' && current) this.#requestRejoin('a commit found a rebalance in progress')
        break
      case ErrorCode.ILLEGAL_GENERATION:
        if (current) this.#resetGeneration(false, 'a commit carried an old generation')
        break
      case ErrorCode.UNKNOWN_MEMBER_ID:
        if (current) this.#resetGeneration(true, 'the coordinator does not know this member')
        break
      case ErrorCode.FENCED_INSTANCE_ID:
        if (current) this.#fail(new KafkaBrokerError(errorCode, `group instance ${this.#instanceId} was fenced by a newer member`))
        break
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The rebalance loop

  async #rebalanceLoop(): Promise<void> {
    let failures = 0
    while (!this.#closing && this.#phase !== 'failed') {
      if (this.#rejoinReason === null || this.#phase === 'stale') {
        if (this.#phase === 'stale') {
          // Waiting for the application, not for the group: no stall to report.
          this.#stall.progressed()
          await this.#giveUpPartitions()
        }
        await this.#rebalanceWake.sleep()
        continue
      }
      const reason = this.#rejoinReason
      this.#stall.begin()
      try {
        await this.#rebalance()
        failures = 0
      } catch (error) {
        if (this.#closing) return
        if (error instanceof Interrupted) continue
        if (isFatal(error)) {
          this.#fail(error as KafkaError)
          return
        }
        // Whatever failed (a lost connection under a parked SyncGroup, a coordinator killed during
        // JoinGroup, a timeout), the re-join is still owed: keep it pending and back off. The link
        // has forgotten the coordinator if the failure was on the wire, so the next round finds it.
        this.#rejoinReason ??= `${reason}; retrying after ${describe(error)}`
        if (this.#phase === 'syncing') this.#phase = 'joining'
        this.#stall.failed(error)
        // A lost coordinator is looked up again after the base backoff (Java retries a rebalance
        // after retry.backoff.ms): the group completes only once its members find the new one.
        const backoff = this.#ctx.cluster.options.retryBackoff
        const coordinatorLost = isWireFailure(error)
        await this.#sleep(coordinatorLost ? backoff.initialMs : backoffMs(failures++, backoff)).catch(() => {})
      }
    }
  }

  /** One rebalance: as many JoinGroup/SyncGroup rounds as it takes to get an assignment. */
  async #rebalance(): Promise<void> {
    const topics = this.#topics as SubscribedTopics
    await this.#race(topics.refresh())
    for (let attempt = 0; ; ) {
      await this.#giveUpPartitions()
      this.#check()
      const reason = this.#rejoinReason ?? 'rejoining'
      this.#rejoinReason = null
      this.#phase = 'joining'
      this.#joinsSent++

      const join = await this.#race(
        sendJoinGroup(
          this.#link,
          {
            groupId: this.#ctx.groupId,
            memberId: this.#memberId,
            groupInstanceId: this.#instanceId,
            sessionTimeoutMs: this.#ctx.options.sessionTimeoutMs,
            rebalanceTimeoutMs: this.#ctx.options.maxPollIntervalMs,
            protocols: this.#assignors.map((a) => ({
              name: a.name,
              metadata: encodeSubscription({
                topics: topics.topics,
                ownedPartitions: this.#owned.toArray(),
                generationId: this.#generationId,
              }),
            })),
            reason,
          },
          this.#rebalanceRequestTimeout(),
        ),
      )
      this.#check()
      if (join.errorCode !== ErrorCode.NONE) {
        this.#rejoinReason ??= reason
        this.#stall.failed(this.#groupError('JoinGroup', join.errorCode))
        if (await this.#joinFailed(join, attempt)) attempt++
        continue
      }

      this.#memberId = join.memberId
      this.#generationId = join.generationId
      this.#leaderId = join.leader
      this.#phase = 'syncing'

      const identity = this.#identity()
      const assignments = join.leader === join.memberId ? await this.#assign(join) : []
      this.#check()
      const sync = await this.#race(
        sendSyncGroup(this.#link, identity, join.protocolName ?? '', assignments, this.#rebalanceRequestTimeout()),
      )
      this.#check()
      if (sync.errorCode !== ErrorCode.NONE) {
        this.#rejoinReason ??= `SyncGroup failed with ${errorCodeInfo(sync.errorCode).name}`
        this.#phase = 'joining'
        this.#stall.failed(this.#groupError('SyncGroup', sync.errorCode))
        this.#syncFailed(sync.errorCode)
        await this.#sleep(backoffMs(attempt++, this.#ctx.cluster.options.retryBackoff))
        continue
      }
      this.#phase = 'stable'
      this.#stall.progressed()
      this.#lastHeartbeatOk = Date.now()
      this.#heartbeatWake.notify()
      await this.#complete(decodeAssignment(sync.assignment))
      this.#joined?.()
      return
    }
  }

  /**
   * Handles a JoinGroup error code; returns after any wait the error calls for, or throws. True
   * when it waited a growing backoff (`attempt` counts those only): answers that say the
   * coordinator moved or the member's identity changed are not failures of this coordinator, so a
   * fail-over's NOT_COORDINATOR answers do not stretch the wait once the new one is loading.
   */
  async #joinFailed(join: JoinGroupResponse, attempt: number): Promise<boolean> {
    const code = join.errorCode
    switch (code) {
      case ErrorCode.MEMBER_ID_REQUIRED:
        // KIP-394: the coordinator gave us our member id; join again with it straight away.
        this.#memberId = join.memberId
        return false
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.#memberId = ''
        this.#generationId = NO_GENERATION
        return false
      case ErrorCode.ILLEGAL_GENERATION:
        this.#generationId = NO_GENERATION
        return false
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
        this.#link.forget()
        await this.#sleep(this.#ctx.cluster.options.retryBackoff.initialMs)
        return false
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
      case ErrorCode.REBALANCE_IN_PROGRESS:
        break
      default:
        // FENCED_INSTANCE_ID, INCONSISTENT_GROUP_PROTOCOL, INVALID_SESSION_TIMEOUT,
        // GROUP_AUTHORIZATION_FAILED, GROUP_MAX_SIZE_REACHED … end the membership.
        if (!errorCodeInfo(code).retriable) throw this.#groupError('JoinGroup', code)
    }
    await this.#sleep(backoffMs(attempt, this.#ctx.cluster.options.retryBackoff))
    return true
  }

  #syncFailed(code: number): void {
    switch (code) {
      case ErrorCode.REBALANCE_IN_PROGRESS:
        return
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.#memberId = ''
        this.#generationId = NO_GENERATION
        return
      case ErrorCode.ILLEGAL_GENERATION:
        this.#generationId = NO_GENERATION
        return
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
        this.#link.forget()
        return
      default:
        if (!errorCodeInfo(code).retriable) throw this.#groupError('SyncGroup', code)
    }
  }

  /** The leader's part: run the assignor the coordinator picked over every member's subscription. */
  async #assign(join: JoinGroupResponse): Promise<Array<{ memberId: string; assignment: Uint8Array }>> {
    const members = decodeMembers(join.members)
    const groupTopics = new Set(members.flatMap((m) => m.topics))
    this.#groupTopics = groupTopics
    const own = (this.#topics as SubscribedTopics).topics
    for (const t of groupTopics) if (!own.includes(t)) this.#interestAdded.add(t)
    await this.#race(this.#ctx.cluster.refreshMetadata(groupTopics))
    const counts = new Map<string, number>()
    for (const topic of groupTopics) {
      const info = this.#ctx.cluster.metadata.topic(topic)
      if (info !== undefined) counts.set(topic, info.partitions.length)
    }
    this.#assignedCounts = counts
    // KIP-814: a static leader that re-joined without changes keeps the current assignment.
    if (join.skipAssignment) return []
    return leaderAssignments(this.#assignors, join.protocolName, members, counts)
  }

  /** Hands the assignment to the consumer as the rebalance protocol says. */
  async #complete(assigned: readonly TopicPartition[]): Promise<void> {
    const next = new PartitionSet(assigned)
    const subscribed = new Set((this.#topics as SubscribedTopics).topics)
    if (this.#protocol === 'eager') {
      this.#owned = next
      await this.#listener.assigned(next.toArray())
    } else {
      const revoked = this.#owned.minus(next)
      const added = next.minus(this.#owned)
      if (revoked.length > 0) {
        await this.#listener.revoked(revoked)
        this.#owned = this.#owned.without(revoked)
        // The revoked partitions go to their new owners in the next round.
        this.#requestRejoin('partitions were revoked for other members')
        this.#check()
      }
      this.#owned = this.#owned.union(added)
      await this.#listener.assigned(added)
    }
    if (next.topics().some((t) => !subscribed.has(t))) {
      this.#requestRejoin('the assignment has topics this member no longer subscribes to')
    }
    if (this.#isLeader() && this.#countsChanged()) this.#requestRejoin('partition counts changed during the rebalance')
  }

  /**
   * Before joining: partitions the member can no longer vouch for go. After a generation reset they
   * are lost (another member may own them already); eager members revoke everything; cooperative
   * members keep what they own and revoke only topics they no longer subscribe to.
   */
  async #giveUpPartitions(): Promise<void> {
    if (this.#owned.size === 0) return
    if (this.#generationId === NO_GENERATION) {
      const lost = this.#owned.toArray()
      this.#owned = PartitionSet.EMPTY
      await this.#listener.lost(lost)
      return
    }
    if (this.#phase === 'stale') return
    const subscribed = new Set((this.#topics as SubscribedTopics).topics)
    const owned = this.#owned.toArray()
    const revoked = this.#protocol === 'eager' ? owned : owned.filter((p) => !subscribed.has(p.topic))
    if (revoked.length === 0) return
    await this.#listener.revoked(revoked)
    this.#owned = this.#owned.without(revoked)
  }

  // ---------------------------------------------------------------------------------------------
  // Heartbeats

  async #heartbeatLoop(): Promise<void> {
    const interval = this.#ctx.options.heartbeatIntervalMs
    let failures = 0
    let nextAt = 0
    while (!this.#closing && this.#phase !== 'failed') {
      if (!this.#shouldHeartbeat()) {
        await this.#heartbeatWake.sleep()
        continue
      }
      // Woken early (a new generation began): the interval still counts from the last heartbeat.
      if (Date.now() < nextAt) {
        await this.#heartbeatWake.sleep(nextAt - Date.now())
        continue
      }
      const identity = this.#identity()
      const joinsSent = this.#joinsSent
      const sentAt = Date.now()
      let ok = true
      let coordinatorLost = false
      try {
        const code = await sendHeartbeat(this.#link, identity)
        if (this.#closing) return
        // A rebalance under way is no heartbeat failure: the member stays in the group and the next
        // heartbeat is due after the interval, as Java's heartbeat thread counts it. Retrying sooner
        // only puts heartbeats in flight while the JoinGroup goes out.
        ok = code === ErrorCode.NONE || code === ErrorCode.REBALANCE_IN_PROGRESS
        coordinatorLost = code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE
        this.#heartbeatAnswered(code, identity, joinsSent)
      } catch {
        if (this.#ctx.cluster.isClosed) return
        ok = false // the link forgot the coordinator; the next heartbeat looks it up again
        coordinatorLost = true
      }
      if (ok) {
        failures = 0
        nextAt = sentAt + interval
      } else {
        if (Date.now() - this.#lastHeartbeatOk > this.#ctx.options.sessionTimeoutMs) this.#link.forget()
        // Without a coordinator the whole group waits for the one that is found first: look again
        // after the base backoff, as Java's heartbeat thread does, not after a growing one.
        const backoff = this.#ctx.cluster.options.retryBackoff
        const wait = coordinatorLost ? backoff.initialMs : backoffMs(failures++, backoff)
        nextAt = Date.now() + Math.min(interval, wait)
      }
    }
  }

  #shouldHeartbeat(): boolean {
    return this.#phase === 'stable' && this.#generationId !== NO_GENERATION
  }

  /** `joinsSent`: how many JoinGroups had gone out when the heartbeat was sent. */
  #heartbeatAnswered(code: number, sent: MemberIdentity, joinsSent: number): void {
    const sameGeneration = sent.generationId === this.#generationId && sent.memberId === this.#memberId
    switch (code) {
      case ErrorCode.NONE:
        this.#lastHeartbeatOk = Date.now()
        return
      case ErrorCode.REBALANCE_IN_PROGRESS:
        this.#lastHeartbeatOk = Date.now()
        // Heartbeats go on until JoinGroup goes out, so the session stays alive while partitions
        // are revoked. The coordinator answered our requests in order: when a JoinGroup went out
        // after this heartbeat, that join is part of the rebalance reported here, and asking for
        // another would start a second rebalance as soon as this one completes (Java likewise
        // ignores the error unless the member is stable). Otherwise the member must join.
        if (joinsSent !== this.#joinsSent) return
        this.#requestRejoin('the coordinator started a rebalance')
        return
      case ErrorCode.ILLEGAL_GENERATION:
        if (sameGeneration) this.#resetGeneration(false, 'the coordinator moved to a newer generation')
        return
      case ErrorCode.UNKNOWN_MEMBER_ID:
        if (sameGeneration) this.#resetGeneration(true, 'the coordinator does not know this member (session expired?)')
        return
      case ErrorCode.FENCED_INSTANCE_ID:
        if (sameGeneration) this.#fail(new KafkaBrokerError(code, `group instance ${this.#instanceId} was fenced by a newer member`))
        return
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
        this.#link.forget()
        return
      default:
        if (!errorCodeInfo(code).retriable) this.#fail(this.#groupError('Heartbeat', code))
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Leaving

  /** `maxPollIntervalMs` passed without a poll: leave, so the group moves on without us. */
  #pollExpired(): void {
    if (this.#closing || this.#phase === 'idle' || this.#phase === 'failed' || this.#phase === 'stale') return
    const memberId = this.#memberId
    // Static members do not send LeaveGroup (KIP-345): the session timeout governs them.
    if (this.#instanceId === null && memberId !== '') {
      sendLeaveGroup(this.#link, this.#ctx.groupId, memberId, 'consumer poll timeout has expired').catch(() => {})
    }
    this.#memberId = ''
    this.#generationId = NO_GENERATION
    this.#phase = 'stale'
    this.#rejoinReason ??= 'the application polled again after a poll timeout'
    this.#rebalanceWake.notify()
  }

  async #leave(): Promise<void> {
    if (this.#phase === 'idle') {
      this.#phase = 'left'
      return
    }
    this.#closing = true
    this.#close()
    this.#stall.progressed()
    this.#watchdog.stop()
    this.#topics?.stop()
    this.#stopMetadataFeed?.()
    this.#rebalanceWake.notify()
    this.#heartbeatWake.notify()
    await this.#listener.idle()
    if (this.#owned.size > 0) {
      const owned = this.#owned.toArray()
      this.#owned = PartitionSet.EMPTY
      if (this.#generationId === NO_GENERATION) await this.#listener.lost(owned)
      else await this.#listener.revoked(owned)
    }
    if (this.#instanceId === null && this.#memberId !== '' && this.#phase !== 'failed') {
      await sendLeaveGroup(this.#link, this.#ctx.groupId, this.#memberId, 'the consumer is being closed').catch(() => {})
    }
    const own = new Set((this.#topics as SubscribedTopics | undefined)?.topics ?? [])
    this.#ctx.cluster.removeTopicsOfInterest([...this.#interestAdded].filter((t) => !own.has(t)))
    this.#memberId = ''
    this.#generationId = NO_GENERATION
    if (this.#phase !== 'failed') this.#phase = 'left'
    this.#joined?.()
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  #requestRejoin(reason: string): void {
    if (this.#closing || this.#phase === 'failed' || this.#phase === 'idle') return
    this.#rejoinReason ??= reason
    this.#rebalanceWake.notify()
  }

  /** The coordinator no longer knows our generation (or member): partitions are lost, join again. */
  #resetGeneration(memberToo: boolean, reason: string): void {
    this.#generationId = NO_GENERATION
    if (memberToo) this.#memberId = ''
    if (this.#phase === 'stable' || this.#phase === 'syncing') this.#phase = 'joining'
    this.#requestRejoin(reason)
  }

  #fail(error: KafkaError): void {
    if (this.#phase === 'failed' || this.#closing) return
    this.#phase = 'failed'
    this.#stall.progressed()
    this.#watchdog.stop()
    this.#topics?.stop()
    this.#rebalanceWake.notify()
    this.#heartbeatWake.notify()
    // The member is out of the group: what it owned may already be someone else's.
    if (this.#owned.size > 0) {
      const lost = this.#owned.toArray()
      this.#owned = PartitionSet.EMPTY
      void this.#listener.lost(lost)
    }
    this.#joined?.()
    this.#ctx.onFatalError(error)
  }

  #metadataChanged(changes: MetadataChanges): void {
    if (this.#closing) return
    const topics = this.#topics
    if (topics?.isPattern === true && changes.removed.some((t) => topics.topics.includes(t))) {
      topics.refresh().then((changed) => changed && this.#requestRejoin('pattern matches changed'), () => {})
    }
    if (this.#isLeader() && this.#phase === 'stable' && this.#countsChanged()) {
      this.#requestRejoin('partition counts of subscribed topics changed')
    }
  }

  /** Leader: do the partition counts of the group's topics differ from those it assigned? */
  #countsChanged(): boolean {
    const assigned = this.#assignedCounts
    if (assigned === null) return false
    for (const topic of this.#groupTopics) {
      const now = this.#ctx.cluster.metadata.topic(topic)?.partitions.length
      if (now !== assigned.get(topic)) return true
    }
    return false
  }

  #isLeader(): boolean {
    return this.#memberId !== '' && this.#leaderId === this.#memberId
  }

  #groupError(request: string, code: number): KafkaBrokerError {
    return new KafkaBrokerError(code, `${request} for group ${this.#ctx.groupId} failed: ${errorCodeInfo(code).name}`)
  }

  #identity(): MemberIdentity {
    return { groupId: this.#ctx.groupId, memberId: this.#memberId, generationId: this.#generationId, groupInstanceId: this.#instanceId }
  }

  #rebalanceRequestTimeout(): number {
    return Math.max(this.#ctx.cluster.options.requestTimeoutMs, this.#ctx.options.maxPollIntervalMs + JOIN_TIMEOUT_MARGIN_MS)
  }

  /** Stops a rebalance once `leave()` began or a poll timeout made the member leave; a new re-join request does not. */
  #check(): void {
    if (this.#closing || this.#phase === 'stale') throw new Interrupted()
  }

  /** Waits for `promise`, unless `leave()` comes first. */
  #race<T>(promise: Promise<T>): Promise<T> {
    promise.catch(() => {})
    return Promise.race([promise, this.#closed])
  }

  #sleep(ms: number): Promise<void> {
    return this.#race(new Promise<void>((resolve) => setTimeout(resolve, ms)))
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function isFatal(error: unknown): boolean {
  if (!(error instanceof KafkaError)) return true
  if (error instanceof KafkaBrokerError) return !error.retriable && error.code !== ErrorCode.REBALANCE_IN_PROGRESS
  return !error.retriable
}
