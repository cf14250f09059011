import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { generateFiles, OUTPUT_DIR } from '../../../scripts/codegen/generator.js'
import { kafkaClientsJar } from '../../../scripts/codegen/schema-source.js'

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))
// The schemas of the pinned Kafka release, read from its kafka-clients jar (fetched if not cached).
const schemaJar = kafkaClientsJar()

describe('generated protocol messages', () => {
  it('match a fresh run of the generator (run `npm run codegen` after changing it)', () => {
    const expected = generateFiles(schemaJar)
    const committed = readdirSync(join(repoRoot, OUTPUT_DIR)).map((name) => `${OUTPUT_DIR}/${name}`)
    expect(committed.filter((path) => !expected.has(path)), 'files the generator does not produce').toEqual([])
    expect([...expected.keys()].filter((path) => !committed.includes(path)), 'files missing').toEqual([])
    const stale = [...expected].filter(([path, text]) => readFileSync(join(repoRoot, path), 'utf8') !== text)
    expect(stale.map(([path]) => path), 'files that differ from the generator output').toEqual([])
  })

  it('are deterministic', () => {
    const a = generateFiles(schemaJar)
    const b = generateFiles(schemaJar)
    expect([...a.entries()]).toEqual([...b.entries()])
  })
})
