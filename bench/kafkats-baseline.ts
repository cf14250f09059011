/**
 * Before/after in one run: `BENCH_KAFKATS_BASELINE=<a kafkats checkout with dist/ built>` adds the
 * client `kafkats-base`, the same kafkats benchmark client loading that build instead of this
 * one, so both are measured on the same broker, machine and minute.
 *
 *   git worktree add /tmp/kafkats-before <commit> && (cd /tmp/kafkats-before && npm ci && npm run build)
 *   BENCH_KAFKATS_BASELINE=/tmp/kafkats-before BENCH_CLIENTS=kafkats,kafkats-base npm run bench:consume
 */

import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'

export interface BaselineClient {
  readonly id: 'kafkats-base'
  readonly label: string
  /** Environment for the client process: the module it loads instead of the `kafkats` package. */
  readonly env: Record<string, string>
}

export function baselineClient(): BaselineClient | undefined {
  const dir = process.env.BENCH_KAFKATS_BASELINE
  if (dir === undefined || dir.trim() === '') return undefined
  const module = join(resolve(dir), 'dist', 'index.js')
  if (!existsSync(module)) throw new Error(`BENCH_KAFKATS_BASELINE: ${module} is missing (run \`npm run build\` in ${dir})`)
  let commit = 'unknown commit'
  try {
    commit = execFileSync('git', ['-C', dir, 'log', '-1', '--format=%h'], { encoding: 'utf8' }).trim()
  } catch {
    // Not a git checkout: the label says so.
  }
  return { id: 'kafkats-base', label: `kafkats (baseline ${commit})`, env: { BENCH_KAFKATS_MODULE: module } }
}
