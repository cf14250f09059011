/**
 * The generator's zip reader against the real kafka-clients jar (compared with Info-ZIP's unzip when
 * installed) and against damaged archives, which must fail with a reason rather than wrong bytes.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { Jar, JarFormatError } from '../../../scripts/codegen/jar.js'
import { kafkaClientsJar, PROTOCOL_KAFKA_VERSION, readSchemasFromJar } from '../../../scripts/codegen/schema-source.js'

const jarPath = kafkaClientsJar()
const bytes = readFileSync(jarPath)
const hasUnzip = spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status === 0

function unzip(args: readonly string[]): Buffer {
  const result = spawnSync('unzip', [...args], { maxBuffer: 64 * 1024 * 1024 })
  if (result.status !== 0) throw new Error(`unzip ${args.join(' ')} failed: ${String(result.stderr)}`)
  return result.stdout
}

/** Offset of the central-directory header of `name` in a copy of the jar. */
function centralHeaderOffset(jar: Buffer, name: string): number {
  const at = jar.lastIndexOf(Buffer.from(name))
  // The name sits 46 bytes after the start of its central-directory header.
  const header = at - 46
  expect(jar.readUInt32LE(header)).toBe(0x02014b50)
  return header
}

describe('Jar (zip central-directory reader)', () => {
  const jar = new Jar(jarPath, bytes)
  const schemaNames = jar.names().filter((n) => n.startsWith('common/message/') && n.endsWith('.json'))

  it(`lists the message schemas of kafka-clients ${PROTOCOL_KAFKA_VERSION}`, () => {
    expect(schemaNames.length).toBeGreaterThan(190)
    expect(schemaNames).toContain('common/message/ApiVersionsRequest.json')
    expect(schemaNames).toContain('common/message/ProduceRequest.json')
  })

  it.runIf(hasUnzip)('lists the same entries as unzip', () => {
    const listed = unzip(['-Z1', jarPath]).toString('utf8').split('\n').filter((l) => l.length > 0)
    expect(jar.names()).toEqual(listed)
  })

  it.runIf(hasUnzip)('reads every schema byte for byte as unzip does', () => {
    for (const name of schemaNames) {
      expect(jar.read(name).equals(unzip(['-p', jarPath, name])), name).toBe(true)
    }
  })

  it('parses every schema into a message with a name and versions', () => {
    const schemas = readSchemasFromJar(jarPath)
    expect(schemas.map((s) => `common/message/${s.fileName}`)).toEqual([...schemaNames].sort())
    for (const s of schemas) {
      expect(s.name, s.fileName).toMatch(/^[A-Z][A-Za-z]+$/)
      expect(s.validVersions, s.fileName).toMatch(/^(\d+(-\d+|\+)?|none)$/)
    }
  })

  it('rejects a file that is not a zip', () => {
    expect(() => new Jar('garbage.jar', Buffer.alloc(4096, 7))).toThrow(JarFormatError)
    expect(() => new Jar('empty.jar', Buffer.alloc(0))).toThrow(/no end-of-central-directory record/)
  })

  it('rejects a truncated archive instead of reading past its end', () => {
    // Losing the tail loses the end record; losing the middle leaves entries pointing past the data.
    expect(() => new Jar('tail-cut.jar', bytes.subarray(0, bytes.length - 100))).toThrow(JarFormatError)
    const name = 'common/message/ProduceRequest.json'
    const damaged = Buffer.from(bytes)
    const header = centralHeaderOffset(damaged, name)
    damaged.writeUInt32LE(bytes.length + 1000, header + 42) // local header offset beyond the file
    expect(() => new Jar('moved.jar', damaged).read(name)).toThrow(/local header of .* is damaged/)
  })

  it('rejects an unknown compression method and a wrong size', () => {
    const name = 'common/message/FetchRequest.json'
    const method = Buffer.from(bytes)
    method.writeUInt16LE(12, centralHeaderOffset(method, name) + 10) // bzip2
    expect(() => new Jar('bzip2.jar', method).read(name)).toThrow(/compression method 12/)

    const size = Buffer.from(bytes)
    const header = centralHeaderOffset(size, name)
    size.writeUInt32LE(size.readUInt32LE(header + 24) + 1, header + 24)
    expect(() => new Jar('size.jar', size).read(name)).toThrow(/its header says/)
  })

  it('names the missing entry', () => {
    expect(() => jar.read('common/message/NoSuchRequest.json')).toThrow(/no entry common\/message\/NoSuchRequest.json/)
  })
})
