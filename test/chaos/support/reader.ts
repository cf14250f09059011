/**
 * The independent reader of the chaos suite: kcat (librdkafka) reads a whole topic from the
 * beginning, optionally read_committed, and the records come back per partition in log order.
 */
import { kcat } from '../../support/kafka.js'

export interface ReadRecord {
  offset: number
  value: string
}

/** Every record of `topic` (up to the end, or the last stable offset with read_committed), per partition. */
export async function readTopic(
  bootstrap: string,
  topic: string,
  partitions: number,
  options: { readCommitted?: boolean; timeoutMs?: number } = {},
): Promise<ReadRecord[][]> {
  const args = ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p %o %s\\n']
  if (options.readCommitted === true) args.push('-X', 'isolation.level=read_committed')
  const result = await kcat(args, { timeoutMs: options.timeoutMs ?? 180_000 })
  if (result.code !== 0) throw new Error(`kcat -C ${topic} failed (${String(result.code)}): ${result.stderr}`)
  const out: ReadRecord[][] = Array.from({ length: partitions }, () => [])
  for (const line of result.stdout.split('\n')) {
    if (line === '') continue
    const first = line.indexOf(' ')
    const second = line.indexOf(' ', first + 1)
    const partition = Number(line.slice(0, first))
    out[partition]?.push({ offset: Number(line.slice(first + 1, second)), value: line.slice(second + 1) })
  }
  for (const list of out) list.sort((a, b) => a.offset - b.offset)
  return out
}

/**
 * Checks records written by a SteadyProducer (`<partition>:<seq>`) against the seqs it saw
 * acknowledged: lost = acked but absent; duplicates = a seq twice; out of order = seqs not
 * increasing along the log.
 */
export function auditProduced(read: ReadRecord[][], acked: number[][]): { lost: number; duplicates: number; outOfOrder: number; foreign: number } {
  let lost = 0
  let duplicates = 0
  let outOfOrder = 0
  let foreign = 0
  read.forEach((records, partition) => {
    const seen = new Set<number>()
    let previous = -1
    for (const r of records) {
      const [p, s] = r.value.split(':')
      const seq = Number(s)
      if (Number(p) !== partition || !Number.isInteger(seq)) {
        foreign++
        continue
      }
      if (seen.has(seq)) duplicates++
      else if (seq < previous) outOfOrder++
      seen.add(seq)
      previous = Math.max(previous, seq)
    }
    for (const seq of acked[partition] ?? []) if (!seen.has(seq)) lost++
  })
  return { lost, duplicates, outOfOrder, foreign }
}

/** Log end offsets as kcat read them (one past the last offset per partition). */
export function endOffsets(read: ReadRecord[][]): number[] {
  return read.map((records) => (records.length === 0 ? 0 : (records[records.length - 1] as ReadRecord).offset + 1))
}
