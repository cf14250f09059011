import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { generateFiles, OUTPUT_DIR } from '../../../scripts/codegen/generator.js'

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))
const schemaDir = join(repoRoot, '../shared/kafka-protocol/messages')

describe('generated protocol messages', () => {
  it('match a fresh run of the generator (run `npm run codegen` after changing it)', () => {
    const expected = generateFiles(schemaDir)
    const committed = readdirSync(join(repoRoot, OUTPUT_DIR)).map((name) => `${OUTPUT_DIR}/${name}`)
    expect(committed.filter((path) => !expected.has(path)), 'files the generator does not produce').toEqual([])
    expect([...expected.keys()].filter((path) => !committed.includes(path)), 'files missing').toEqual([])
    const stale = [...expected].filter(([path, text]) => readFileSync(join(repoRoot, path), 'utf8') !== text)
    expect(stale.map(([path]) => path), 'files that differ from the generator output').toEqual([])
  })

  it('are deterministic', () => {
    const a = generateFiles(schemaDir)
    const b = generateFiles(schemaDir)
    expect([...a.entries()]).toEqual([...b.entries()])
  })
})
