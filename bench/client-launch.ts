/**
 * How a benchmark's Node client process starts. By default the client file is bundled to plain
 * JavaScript first (esbuild, packages left external) and run by `node` alone, as applications run
 * their clients. tsx is used only when the kafkats sources themselves are measured
 * (BENCH_KAFKATS_SOURCE=src): its loader hooks every module a process imports, the clients' own
 * packages too, which cost kafkats 54 MiB and the librdkafka binding 29 MiB of RSS at start
 * (measured), so peak-RSS figures under tsx said more about tsx than about the clients.
 */

import { execFileSync } from 'node:child_process'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..')

/** The node arguments that run `file` (a client's .ts file). */
export function nodeClientArgs(file: string): string[] {
  if (process.env.BENCH_KAFKATS_SOURCE === 'src') return ['--import', 'tsx', file]
  const out = join(dirname(file), '.build', basename(file).replace(/\.ts$/, '.mjs'))
  execFileSync(join(repoRoot, 'node_modules', '.bin', 'esbuild'), [
    file,
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--packages=external',
    `--outfile=${out}`,
    '--log-level=warning',
  ])
  return [out]
}
