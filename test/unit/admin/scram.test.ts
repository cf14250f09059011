import { createHash, createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Cluster } from '../../../src/cluster/cluster.js'
import { AdminContext } from '../../../src/admin/context.js'
import { alterUserScramCredentials, randomScramSalt, scramSaltedPassword } from '../../../src/admin/scram.js'
import { KafkaConfigError } from '../../../src/errors.js'

const hmac = (key: Uint8Array, data: string): Buffer => createHmac('sha256', key).update(data).digest()

describe('scramSaltedPassword', () => {
  // RFC 7677 §3: the SCRAM-SHA-256 exchange for user "user", password "pencil". The RFC gives the
  // salt, iterations and the proofs both sides send; the salted password must reproduce them
  // through the RFC 5802 §3 key derivation.
  it('reproduces the client proof and server signature of RFC 7677', async () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64')
    const salted = await scramSaltedPassword('SCRAM-SHA-256', 'pencil', salt, 4096)
    expect(salted).toHaveLength(32)
    const nonce = 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0'
    const authMessage = `n=user,r=rOprNGfwEbeRWgbNEkqO,r=${nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=${nonce}`
    const clientKey = hmac(salted, 'Client Key')
    const storedKey = createHash('sha256').update(clientKey).digest()
    const clientSignature = hmac(storedKey, authMessage)
    const proof = Buffer.from(clientKey.map((b, i) => b ^ (clientSignature[i] as number)))
    expect(proof.toString('base64')).toBe('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=')
    const serverSignature = hmac(hmac(salted, 'Server Key'), authMessage)
    expect(serverSignature.toString('base64')).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')
  })

  it('gives a different result for a different password, salt or iteration count', async () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64')
    const base = Buffer.from(await scramSaltedPassword('SCRAM-SHA-256', 'pencil', salt, 4096)).toString('hex')
    expect(Buffer.from(await scramSaltedPassword('SCRAM-SHA-256', 'pencil!', salt, 4096)).toString('hex')).not.toBe(base)
    expect(Buffer.from(await scramSaltedPassword('SCRAM-SHA-256', 'pencil', Buffer.from('x'), 4096)).toString('hex')).not.toBe(base)
    expect(Buffer.from(await scramSaltedPassword('SCRAM-SHA-256', 'pencil', salt, 4097)).toString('hex')).not.toBe(base)
  })

  // Hi is PBKDF2 with dkLen = hash length; these are the published PBKDF2-HMAC-SHA512 vectors for
  // P="password", S="salt".
  it('is PBKDF2-HMAC-SHA512 with a 64-byte output for SCRAM-SHA-512', async () => {
    const salt = new TextEncoder().encode('salt')
    const hex = async (c: number): Promise<string> =>
      Buffer.from(await scramSaltedPassword('SCRAM-SHA-512', 'password', salt, c)).toString('hex')
    expect(await hex(1)).toBe(
      '867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce',
    )
    expect(await hex(2)).toBe(
      'e1d9c16aa681708a45f5c7c4e215ceb66e011a2e9f0040713f18aefdb866d53cf76cab2868a39b9f7840edce4fef5a82be67335c77a6068e04112754f27ccf4e',
    )
    expect(await hex(4096)).toBe(
      'd197b1b33db0143e018b12f3d1d1479e6cdebdcc97c5c0f87f6902e072f457b5143f30602641b3d55cd335988cb36b84376060ecd532e039b742a239434af2d5',
    )
  })

  it('treats a string password as its UTF-8 bytes', async () => {
    const salt = randomScramSalt()
    const fromString = await scramSaltedPassword('SCRAM-SHA-256', 'pässwörd✓', salt, 4096)
    const fromBytes = await scramSaltedPassword('SCRAM-SHA-256', Buffer.from('pässwörd✓', 'utf8'), salt, 4096)
    expect(Buffer.from(fromString).equals(Buffer.from(fromBytes))).toBe(true)
  })
})

describe('randomScramSalt', () => {
  it('is a base-36 number below 2^130 in ASCII, like the Java admin’s, and differs each time', () => {
    const salts = Array.from({ length: 200 }, () => new TextDecoder().decode(randomScramSalt()))
    for (const s of salts) {
      expect(s).toMatch(/^[0-9a-z]{1,26}$/)
      expect(BigInt(parseBase36(s)) < 2n ** 130n).toBe(true)
    }
    expect(new Set(salts).size).toBe(salts.length)
    // Uniform over 130 bits: nearly all have 25 or 26 digits (2^130 has 26 in base 36).
    expect(salts.filter((s) => s.length >= 25).length).toBeGreaterThan(180)
  })
})

function parseBase36(s: string): bigint {
  let value = 0n
  for (const ch of s) value = value * 36n + BigInt(parseInt(ch, 36))
  return value
}

describe('alterUserScramCredentials client-side checks', () => {
  // Nothing is sent when every alteration is rejected locally, so no cluster is needed.
  const ctx = new AdminContext({} as Cluster, 1000)
  const secret = 'hunter2-very-secret'

  it('fails a user whose alteration is invalid, without its password in the message', async () => {
    const results = await alterUserScramCredentials(ctx, [
      { op: 'upsert', user: 'bad-iterations', mechanism: 'SCRAM-SHA-256', iterations: 1_000_000, password: secret },
      { op: 'upsert', user: 'bad-mechanism', mechanism: 'SCRAM-MD5' as 'SCRAM-SHA-256', password: secret },
      { op: 'upsert', user: 'bad-iterations', mechanism: 'SCRAM-SHA-512', password: secret },
    ])
    expect(results.map((r) => r.user)).toEqual(['bad-iterations', 'bad-mechanism'])
    for (const r of results) {
      expect(r.error).toBeInstanceOf(KafkaConfigError)
      expect(r.error?.message).toContain(r.user)
      expect(r.error?.message).not.toContain(secret)
      expect(JSON.stringify(r)).not.toContain(secret)
    }
    expect(results[0]?.error?.message).toMatch(/iterations/)
    expect(results[1]?.error?.message).toMatch(/mechanism/)
  })
})
