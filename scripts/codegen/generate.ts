/**
 * `npm run codegen [source]`: regenerates src/protocol/messages from Kafka's JSON schemas.
 * Without an argument the schemas come from the kafka-clients jar of PROTOCOL_KAFKA_VERSION
 * (schema-source.ts), fetched into the scripts/kafka-local.sh cache when missing. The argument may
 * name another Kafka version (`4.4.0`), a kafka-clients jar, or a folder of schema files. Files in
 * the output folder that the generator no longer produces are removed.
 */

import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateFiles, OUTPUT_DIR } from './generator.js'
import { resolveSchemaSource } from './schema-source.js'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const source = resolveSchemaSource(process.argv[2])

const files = generateFiles(source)
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
console.log(`wrote ${files.size} files (${lines} lines) to ${OUTPUT_DIR} from ${source}`)
