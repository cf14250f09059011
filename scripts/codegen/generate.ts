/**
 * `npm run codegen [inputDir]`: regenerates src/protocol/messages from Kafka's JSON schemas.
 * The input defaults to ../shared/kafka-protocol/messages next to the repository, resolved from
 * this script's location so the working directory does not matter. Files in the output folder that
 * the generator no longer produces are removed.
 */

import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateFiles, OUTPUT_DIR } from './generator.js'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const inputDir = resolve(process.argv[2] ?? join(repoRoot, '../shared/kafka-protocol/messages'))

const files = generateFiles(inputDir)
const outDir = join(repoRoot, OUTPUT_DIR)
mkdirSync(outDir, { recursive: true })
for (const name of readdirSync(outDir)) {
  if (!files.has(`${OUTPUT_DIR}/${name}`)) rmSync(join(outDir, name))
}
let lines = 0
for (const [path, text] of files) {
  writeFileSync(join(repoRoot, path), text)
  lines += text.split('\n').length - 1
}
console.log(`wrote ${files.size} files (${lines} lines) to ${OUTPUT_DIR} from ${inputDir}`)
