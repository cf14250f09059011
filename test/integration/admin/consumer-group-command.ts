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
 * The members table of `--describe --members --verbose`. Kafka 3.9's tool heads the assignment
 * column ASSIGNMENT, 4.0 and later CURRENT-ASSIGNMENT (next to TARGET-ASSIGNMENT); rows carry the
 * newer name either way.
 */
export async function describedMembers(group: string): Promise<Array<Record<string, string>>> {
  const rows = parseTables(await consumerGroupCommand(['--describe', '--members', '--verbose', '--group', group]))
  return rows
    .filter((r) => r.GROUP === group)
    .map((r) => (r['CURRENT-ASSIGNMENT'] === undefined && r.ASSIGNMENT !== undefined ? { ...r, 'CURRENT-ASSIGNMENT': r.ASSIGNMENT } : r))
}

/** `--list --state --type`: group → { TYPE, STATE }. */
export async function listedGroups(): Promise<Map<string, Record<string, string>>> {
  const rows = parseTables(await consumerGroupCommand(['--list', '--state', '--type']))
  return new Map(rows.map((r) => [r.GROUP as string, r]))
}
