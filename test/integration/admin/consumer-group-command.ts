/**
 * Kafka's own ConsumerGroupCommand (`kafka-consumer-groups`) as the independent reader of groups
 * and committed offsets, with its tables parsed into rows.
 */
import { expect } from 'vitest'
import { bootstrap, runKafkaTool } from '../../support/kafka.js'

const MAIN = 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand'

export async function consumerGroupCommand(args: readonly string[]): Promise<string> {
  const result = await runKafkaTool(MAIN, ['--bootstrap-server', bootstrap(), ...args])
  expect(result.code, `${args.join(' ')}\n${result.stderr}${result.stdout}`).toBe(0)
  return result.stdout
}

/**
 * The rows of every table in the tool's output whose header starts with GROUP, as column → value
 * (`-` where the tool has none). Values never contain spaces in these tests.
 */
export function parseTables(output: string): Array<Record<string, string>> {
  const rows: Array<Record<string, string>> = []
  let header: string[] | null = null
  for (const line of output.split('\n')) {
    const cells = line.trim().split(/\s+/)
    if (cells[0] === 'GROUP') {
      header = cells
    } else if (header !== null && line.trim() !== '') {
      rows.push(Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])))
    } else {
      header = null
    }
  }
  return rows
}

/** Committed offsets as `topic-partition` → offset (null for `-`), from `--describe --offsets`. */
export async function committedOffsets(group: string): Promise<Map<string, bigint | null>> {
  const rows = parseTables(await consumerGroupCommand(['--describe', '--offsets', '--group', group]))
  return new Map(
    rows
      .filter((r) => r.GROUP === group)
      .map((r) => [`${r.TOPIC}-${r.PARTITION}`, r['CURRENT-OFFSET'] === '-' ? null : BigInt(r['CURRENT-OFFSET'] as string)]),
  )
}

/**
 * The members table of `--describe --members --verbose`, with the assignment in CURRENT-ASSIGNMENT
 * as 4.0 and later print it (`topic:0,1,2`). Kafka 3.9's tool has an ASSIGNMENT column instead and
 * leaves the topic name out of it (`(0,1,2)`); for a group on the single topic `topic`, that is
 * written in the newer form.
 */
export async function describedMembers(group: string, topic?: string): Promise<Array<Record<string, string>>> {
  const rows = parseTables(await consumerGroupCommand(['--describe', '--members', '--verbose', '--group', group]))
  return rows.filter((r) => r.GROUP === group).map((r) => withCurrentAssignment(r, topic))
}

function withCurrentAssignment(row: Record<string, string>, topic: string | undefined): Record<string, string> {
  const old = row.ASSIGNMENT
  if (row['CURRENT-ASSIGNMENT'] !== undefined || old === undefined) return row
  const partitions = /^\(([\d,]*)\)$/.exec(old)?.[1]
  return { ...row, 'CURRENT-ASSIGNMENT': topic !== undefined && partitions !== undefined ? `${topic}:${partitions}` : old }
}

/** `--list --state --type`: group → { TYPE, STATE }. */
export async function listedGroups(): Promise<Map<string, Record<string, string>>> {
  const rows = parseTables(await consumerGroupCommand(['--list', '--state', '--type']))
  return new Map(rows.map((r) => [r.GROUP as string, r]))
}
