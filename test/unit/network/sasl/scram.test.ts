import { describe, expect, it } from 'vitest'
import { KafkaAuthenticationError } from '../../../../src/errors.js'
import { escapeSaslName, ScramMechanism } from '../../../../src/network/sasl/scram.js'

const context = { host: '127.0.0.1', port: 9092 }
const text = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? new Uint8Array()).toString('utf8')
const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8')

// RFC 7677 §3: user "user", password "pencil".
const CLIENT_NONCE = 'rOprNGfwEbeRWgbNEkqO'
const SERVER_FIRST = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'
const CLIENT_FINAL = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='
const SERVER_FINAL = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='

function rfcSession(password = 'pencil') {
  return new ScramMechanism('SCRAM-SHA-256', 'user', password, () => CLIENT_NONCE).authenticate(context)
}

describe('SCRAM-SHA-256 against RFC 7677', () => {
  it('sends the client-first message, the client proof, and accepts the server signature', async () => {
    const session = rfcSession()
    expect(text(session.initialResponse)).toBe(`n,,n=user,r=${CLIENT_NONCE}`)
    const step = await session.challenge(bytes(SERVER_FIRST))
    expect(step.done).toBe(false)
    expect(text(step.response)).toBe(CLIENT_FINAL)
    expect(await session.challenge(bytes(SERVER_FINAL))).toEqual({ done: true })
  })

  it('rejects a server signature made without the password', async () => {
    const session = rfcSession('not-pencil')
    await session.challenge(bytes(SERVER_FIRST))
    const error = await Promise.resolve(session.challenge(bytes(SERVER_FINAL))).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KafkaAuthenticationError)
    expect(String(error)).not.toContain('not-pencil')
  })

  it('rejects a server nonce that does not extend the client nonce', async () => {
    const session = rfcSession()
    const forged = SERVER_FIRST.replace(`r=${CLIENT_NONCE}`, 'r=someoneElsesNonce')
    await expect(Promise.resolve(session.challenge(bytes(forged)))).rejects.toThrow(/nonce/)
  })

  it('rejects iteration counts outside Kafka bounds and server errors', async () => {
    await expect(Promise.resolve(rfcSession().challenge(bytes(SERVER_FIRST.replace('i=4096', 'i=1'))))).rejects.toThrow(/iteration/)
    await expect(Promise.resolve(rfcSession().challenge(bytes('e=invalid-proof')))).rejects.toThrow(/invalid-proof/)
  })

  it('escapes = and , in user names', () => {
    expect(escapeSaslName('a=b,c')).toBe('a=3Db=2Cc')
    const session = new ScramMechanism('SCRAM-SHA-512', 'a=b,c', 'x', () => 'nonce').authenticate(context)
    expect(text(session.initialResponse)).toBe('n,,n=a=3Db=2Cc,r=nonce')
  })

  it('draws a fresh random nonce per exchange and never shows the password', () => {
    const mechanism = new ScramMechanism('SCRAM-SHA-512', 'u', 'hunter2')
    const first = text(mechanism.authenticate(context).initialResponse)
    const second = text(mechanism.authenticate(context).initialResponse)
    expect(first).not.toBe(second)
    expect(first).toMatch(/^n,,n=u,r=[A-Za-z0-9_-]{32}$/)
    expect(JSON.stringify(mechanism)).not.toContain('hunter2')
  })
})
