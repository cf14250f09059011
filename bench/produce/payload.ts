/**
 * The record values every client sends: one file per size, one value per line, read by the Node
 * clients and by Kafka's ProducerPerformance (`--payload-file`) alike, so all send the same bytes.
 *
 * Values are JSON-like ASCII with random ids, names and amounts and repeated field names, so that
 * LZ4 has the kind of redundancy real event data has rather than none (random bytes) or all
 * (zeros).
 */

import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const DISTINCT_VALUES = 1000
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november']

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 0x100000000
  }
}

/** One value of exactly `size` ASCII bytes (the tail of the `note` field is cut or padded to fit). */
function jsonValue(random: () => number, size: number): string {
  const word = (): string => WORDS[Math.floor(random() * WORDS.length)]!
  const id = Math.floor(random() * 0xffffffff).toString(16).padStart(8, '0')
  const head = `{"id":"${id}","user":"${word()}-${Math.floor(random() * 10000)}","amount":${(random() * 1000).toFixed(2)},"note":"`
  const tail = '"}'
  let note = ''
  while (head.length + note.length + tail.length < size) note += `${word()} `
  const room = size - head.length - tail.length
  // A size too small for the frame still gets exactly `size` bytes, just not valid JSON.
  return room >= 0 ? head + note.slice(0, room) + tail : head.slice(0, size)
}

/** Writes the payload file for `size` into `dir` (once per run) and returns its path. */
export function writePayloadFile(dir: string, size: number): string {
  mkdirSync(dir, { recursive: true })
  const random = xorshift(0x5eed + size)
  const lines: string[] = []
  for (let i = 0; i < DISTINCT_VALUES; i++) lines.push(jsonValue(random, size))
  const path = join(dir, `payload-${size}.txt`)
  writeFileSync(path, `${lines.join('\n')}\n`, 'latin1')
  return path
}
