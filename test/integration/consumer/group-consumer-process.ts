/**
 * A real consumer in its own process, for tests that make a group member vanish with SIGKILL.
 * Options come as JSON in KAFKATS_CONSUMER; after every rebalance and every 50 records it prints
 * `{ owned, received }` as one JSON line.
 */
import { GroupConsumer, type GroupConsumerOptions } from './group-consumers.js'

const { bootstrap, ...options } = JSON.parse(process.env.KAFKATS_CONSUMER ?? '{}') as GroupConsumerOptions & { bootstrap: string }
const member = new GroupConsumer(bootstrap, options)
let reported = ''
setInterval(() => {
  const line = JSON.stringify({ owned: member.sorted(), received: member.received.length })
  if (line !== reported) process.stdout.write(`${line}\n`)
  reported = line
}, 50)
process.on('SIGTERM', () => {
  member.close().finally(() => process.exit(0))
})
