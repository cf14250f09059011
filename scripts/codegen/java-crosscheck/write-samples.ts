/**
 * Writes one sample of every generated message (each API, version, request and response, with and
 * without nulls, plus the data schemas) as `<name>.bin` files for JavaRoundTrip.java to check.
 * Usage: tsx write-samples.ts <outDir> [source], source as for `npm run codegen` (default: the pinned
 * release's kafka-clients jar).
 */

import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { apiByKey, dataSchemas } from '../../../src/protocol/messages/index.js'
import { Writer } from '../../../src/protocol/writer.js'
import { sampleMessage } from '../../../test/unit/protocol/message-samples.js'
import { loadModel } from '../generator.js'
import { resolveSchemaSource } from '../schema-source.js'
import { versionsOf } from '../versions.js'

const outDir = resolve(process.argv[2] ?? 'crosscheck-samples')
const model = loadModel(resolveSchemaSource(process.argv[3]))
mkdirSync(outDir, { recursive: true })

let count = 0
const write = (name: string, encode: (w: Writer) => void): void => {
  const w = new Writer()
  encode(w)
  writeFileSync(join(outDir, `${name}.bin`), w.finish())
  count++
}

for (const api of model.apis) {
  const d = apiByKey.get(api.key)
  if (d === undefined) throw new Error(`no descriptor for ${api.name}`)
  for (const v of versionsOf(api.request.validVersions)) {
    for (const nulls of [false, true]) {
      const options = { nulls, unknownTags: true }
      write(`${api.key}_request_${v}_${Number(nulls)}`, (w) => d.encodeRequest(w, sampleMessage(api.request, v, options), v))
      write(`${api.key}_response_${v}_${Number(nulls)}`, (w) => d.encodeResponse(w, sampleMessage(api.response, v, options), v))
    }
  }
}
for (const m of model.dataSchemas) {
  const schema = dataSchemas[m.name as keyof typeof dataSchemas]
  for (const v of versionsOf(m.validVersions)) {
    for (const nulls of [false, true]) {
      const sample = sampleMessage(m, v, { nulls, unknownTags: true })
      write(`data_${m.name}_${v}_${Number(nulls)}`, (w) => schema.encode(w, sample as never, v))
    }
  }
}
console.log(`wrote ${count} samples to ${outDir}`)
