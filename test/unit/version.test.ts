import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CLIENT_SOFTWARE_NAME, CLIENT_SOFTWARE_VERSION } from '../../src/version.js'

describe('client software name and version', () => {
  it('match package.json, so brokers see the version actually running', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      name: string
      version: string
    }
    expect(CLIENT_SOFTWARE_NAME).toBe(pkg.name)
    expect(CLIENT_SOFTWARE_VERSION).toBe(pkg.version)
  })

  it('use only the characters brokers accept (KIP-511)', () => {
    const valid = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/
    expect(CLIENT_SOFTWARE_NAME).toMatch(valid)
    expect(CLIENT_SOFTWARE_VERSION).toMatch(valid)
  })
})
