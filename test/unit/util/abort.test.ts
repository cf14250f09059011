import { describe, expect, it } from 'vitest'
import { abortable, onAbort, throwIfAborted } from '../../../src/util/abort.js'

describe('abort helpers', () => {
  it('throwIfAborted throws the reason only once aborted', () => {
    const controller = new AbortController()
    expect(() => throwIfAborted(controller.signal)).not.toThrow()
    expect(() => throwIfAborted(undefined)).not.toThrow()
    const reason = new Error('stop')
    controller.abort(reason)
    expect(() => throwIfAborted(controller.signal)).toThrow(reason)
  })

  it('abortable without a signal is the promise itself', () => {
    const p = Promise.resolve(1)
    expect(abortable(p, undefined)).toBe(p)
  })

  it('abortable rejects with the reason when the signal aborts first, and passes results through otherwise', async () => {
    const controller = new AbortController()
    let resolveLater: (v: number) => void = () => {}
    const pending = abortable(new Promise<number>((r) => (resolveLater = r)), controller.signal)
    controller.abort()
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
    resolveLater(3)

    const fine = new AbortController()
    await expect(abortable(Promise.resolve(7), fine.signal)).resolves.toBe(7)
    await expect(abortable(Promise.reject(new Error('own')), fine.signal)).rejects.toThrow('own')
  })

  it('abortable on an already aborted signal rejects without an unhandled rejection of the inner promise', async () => {
    const controller = new AbortController()
    controller.abort('why')
    await expect(abortable(Promise.reject(new Error('inner')), controller.signal)).rejects.toBe('why')
  })

  it('onAbort runs once on abort, never after release', () => {
    const controller = new AbortController()
    const seen: unknown[] = []
    const release = onAbort(controller.signal, (r) => seen.push(r))
    controller.abort('a')
    controller.abort('b')
    release()
    expect(seen).toEqual(['a'])

    const other = new AbortController()
    const released = onAbort(other.signal, (r) => seen.push(r))
    released()
    other.abort('c')
    expect(seen).toEqual(['a'])

    const done = new AbortController()
    done.abort('d')
    onAbort(done.signal, (r) => seen.push(r))
    expect(seen).toEqual(['a', 'd'])
  })
})
