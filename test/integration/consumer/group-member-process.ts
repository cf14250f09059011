/**
 * A group member in its own process, for tests that must make a member vanish (SIGKILL) without
 * leaving the group. Options come as JSON in KAFKATS_MEMBER; every change of ownership is printed
 * as one JSON line `{ owned, memberId }`.
 */
import { Member, type MemberOptions } from './group-harness.js'

const { bootstrap, ...options } = JSON.parse(process.env.KAFKATS_MEMBER ?? '{}') as MemberOptions & { bootstrap: string }
const member = new Member(bootstrap, options)
const report = (): void => {
  process.stdout.write(`${JSON.stringify({ owned: member.listener.sorted(), memberId: member.membership.metadata().memberId })}\n`)
}
const original = { assigned: member.listener.assigned.bind(member.listener), revoked: member.listener.revoked.bind(member.listener), lost: member.listener.lost.bind(member.listener) }
member.listener.assigned = async (p) => {
  await original.assigned(p)
  report()
}
member.listener.revoked = async (p) => {
  await original.revoked(p)
  report()
}
member.listener.lost = async (p) => {
  await original.lost(p)
  report()
}
process.on('SIGTERM', () => {
  member.close().finally(() => process.exit(0))
})
