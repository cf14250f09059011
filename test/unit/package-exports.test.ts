import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'

// Builds the package as it would be published and loads it the two ways users do: `import` and
// `require`, through the package's own `exports` map (a package may import itself by name).
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' })
}

describe('published package', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js')], {
      cwd: root,
      stdio: 'pipe',
    })
  }, 240_000)

  // Node child processes are slow on a loaded two-core machine; allow for it.
  it('ships ESM, CommonJS and type declarations for both', () => {
    for (const file of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts']) {
      expect(existsSync(join(root, 'dist', file)), file).toBe(true)
    }
  })

  it('serves the same named exports to import and require', () => {
    const viaImport = node(['--input-type=module', '-e', "import * as k from 'kafkats'; console.log(JSON.stringify(Object.keys(k).sort()))"])
    const viaRequire = node(['-e', "console.log(JSON.stringify(Object.keys(require('kafkats')).sort()))"])
    const names = JSON.parse(viaImport) as string[]
    expect(names).toContain('KafkaError')
    expect(JSON.parse(viaRequire)).toEqual(names)
  }, 60_000)

  it('recognises an error from the CommonJS copy as a KafkaError of the ESM copy', () => {
    const script = [
      "import { createRequire } from 'node:module'",
      "import { KafkaError } from 'kafkats'",
      'const cjs = createRequire(import.meta.url)("kafkats")',
      'const e = new cjs.KafkaTimeoutError("late")',
      'console.log(JSON.stringify([e instanceof KafkaError, e instanceof cjs.KafkaError, e.retriable]))',
    ].join('\n')
    expect(JSON.parse(node(['--input-type=module', '-e', script]))).toEqual([true, true, true])
  }, 60_000)
})
