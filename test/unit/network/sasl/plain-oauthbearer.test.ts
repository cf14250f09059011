import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { KafkaAuthenticationError, KafkaConfigError } from '../../../../src/errors.js'
import { OAuthBearerMechanism, oauthBearerMessage } from '../../../../src/network/sasl/oauthbearer.js'
import { resolveSaslOption } from '../../../../src/network/sasl/options.js'
import { PlainMechanism } from '../../../../src/network/sasl/plain.js'

const context = { host: 'broker', port: 9092 }
const text = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? new Uint8Array()).toString('utf8')

describe('PLAIN', () => {
  it('frames NUL user NUL password and finishes on the broker reply', async () => {
    const session = new PlainMechanism('alice', 's3cret').authenticate()
    expect([...session.initialResponse]).toEqual([0, ...Buffer.from('alice'), 0, ...Buffer.from('s3cret')])
    expect(await session.challenge(new Uint8Array())).toEqual({ done: true })
  })

  it('keeps the password out of inspection and JSON', () => {
    const mechanism = new PlainMechanism('alice', 's3cret')
    expect(inspect(mechanism, { showHidden: true, depth: 5 })).not.toContain('s3cret')
    expect(JSON.stringify(mechanism)).not.toContain('s3cret')
  })
})

describe('OAUTHBEARER', () => {
  it('frames the token as RFC 7628 client initial response', async () => {
    expect(text(oauthBearerMessage('abc.def.'))).toBe('n,,\x01auth=Bearer abc.def.\x01\x01')
    const session = await new OAuthBearerMechanism(async () => ({ value: 'tok' })).authenticate(context)
    expect(text(session.initialResponse)).toBe('n,,\x01auth=Bearer tok\x01\x01')
    expect(await session.challenge(new Uint8Array())).toEqual({ done: true })
  })

  it('answers a broker error with a lone 0x01, as the RFC asks', async () => {
    const session = await new OAuthBearerMechanism(async () => ({ value: 'tok' })).authenticate(context)
    const step = await session.challenge(Buffer.from('{"status":"invalid_token"}'))
    expect(step.done).toBe(false)
    expect([...(step.response ?? [])]).toEqual([1])
  })

  it('reuses a token until 80 % of its lifetime, then asks the provider again', async () => {
    let now = 1_000
    let calls = 0
    const mechanism = new OAuthBearerMechanism(async () => ({ value: `t${++calls}`, lifetimeMs: 10_000 }), () => now)
    const tokenOf = async (): Promise<string> => text((await mechanism.authenticate(context)).initialResponse)
    expect(await tokenOf()).toContain('Bearer t1')
    now += 7_999
    expect(await tokenOf()).toContain('Bearer t1')
    now += 2
    expect(await tokenOf()).toContain('Bearer t2')
    expect(calls).toBe(2)
  })

  it('asks every time when no lifetime is given; a failing provider is an authentication error', async () => {
    let calls = 0
    const mechanism = new OAuthBearerMechanism(async () => ({ value: `t${++calls}` }))
    await mechanism.authenticate(context)
    await mechanism.authenticate(context)
    expect(calls).toBe(2)
    const failing = new OAuthBearerMechanism(async () => {
      throw new Error('idp down')
    })
    const error = await Promise.resolve(failing.authenticate(context)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KafkaAuthenticationError)
    expect(error).toMatchObject({ broker: 'broker:9092', mechanism: 'OAUTHBEARER', retriable: false })
  })
})

describe('the sasl option', () => {
  it('builds the named mechanism', () => {
    expect(resolveSaslOption({ mechanism: 'plain', username: 'u', password: 'p' })?.name).toBe('PLAIN')
    expect(resolveSaslOption({ mechanism: 'SCRAM-SHA-256', username: 'u', password: 'p' })?.name).toBe('SCRAM-SHA-256')
    expect(resolveSaslOption({ mechanism: 'scram-sha-512', username: 'u', password: 'p' })?.name).toBe('SCRAM-SHA-512')
    expect(resolveSaslOption({ mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: 't' }) })?.name).toBe('OAUTHBEARER')
    expect(resolveSaslOption(undefined)).toBeUndefined()
    const custom = { name: 'AWS_MSK_IAM', authenticate: () => ({ initialResponse: new Uint8Array(), challenge: () => ({ done: true }) }) }
    expect(resolveSaslOption(custom)).toBe(custom)
  })

  it('names the bad option and never echoes the password', () => {
    const bad = (value: unknown): KafkaConfigError => {
      try {
        resolveSaslOption(value)
      } catch (e) {
        return e as KafkaConfigError
      }
      throw new Error('accepted')
    }
    expect(bad('plain').message).toMatch(/^sasl:/)
    expect(bad({ mechanism: 'gssapi', password: 'zzz-secret' }).message).toMatch(/^sasl\.mechanism/)
    expect(bad({ mechanism: 'plain', password: 'zzz-secret' }).message).toMatch(/^sasl\.username/)
    expect(bad({ mechanism: 'plain', username: 'u', password: 7 }).message).toMatch(/^sasl\.password/)
    expect(bad({ mechanism: 'oauthbearer' }).message).toMatch(/^sasl\.oauthBearerProvider/)
    expect(bad({ name: '', authenticate: () => undefined }).message).toMatch(/^sasl\.name/)
    for (const e of [bad({ mechanism: 'gssapi', password: 'zzz-secret' }), bad({ mechanism: 'plain', password: 'zzz-secret' })]) {
      expect(String(e)).not.toContain('zzz-secret')
    }
  })
})
