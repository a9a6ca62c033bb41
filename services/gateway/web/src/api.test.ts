// The session logic against a scripted fetch (the real server is exercised by the browser
// test in e2e/): refresh on 401, one refresh for concurrent callers, session end.
import { describe, expect, it } from 'vitest'
import { Api, ApiError } from './api'

function memoryStorage(): Storage {
  const m = new Map<string, string>()
  return {
    getItem: (k) => m.get(k) ?? null,
    setItem: (k, v) => void m.set(k, v),
    removeItem: (k) => void m.delete(k),
    clear: () => m.clear(),
    key: (i) => [...m.keys()][i] ?? null,
    get length() {
      return m.size
    },
  }
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

describe('Api session', () => {
  it('refreshes once on a 401 for concurrent calls, then repeats them with the new token', async () => {
    const storage = memoryStorage()
    storage.setItem('instant.session', JSON.stringify({ access_token: 'old', refresh_token: 'r1', expires_at: Date.now() + 600_000 }))
    let refreshes = 0
    const fetchFn = (async (url: string, init?: RequestInit) => {
      const auth = (init?.headers as Record<string, string> | undefined)?.authorization
      if (url.endsWith('/auth/refresh')) {
        refreshes++
        await new Promise((r) => setTimeout(r, 10))
        expect(JSON.parse(String(init?.body)).refresh_token).toBe('r1')
        return json(200, { access_token: 'new', refresh_token: 'r2', token_type: 'bearer', expires_in: 900 })
      }
      if (auth === 'Bearer old') return json(401, { error: { code: 'unauthorized', message: 'expired' } })
      return json(200, { ok: auth })
    }) as typeof fetch
    const api = new Api('/api/v1', storage, fetchFn)
    const [a, b] = await Promise.all([api.get<{ ok: string }>('/users/me'), api.get<{ ok: string }>('/conversations')])
    expect(a.ok).toBe('Bearer new')
    expect(b.ok).toBe('Bearer new')
    expect(refreshes).toBe(1)
    expect(JSON.parse(storage.getItem('instant.session')!).refresh_token).toBe('r2')
  })

  it('ends the session (once) when the refresh token is refused', async () => {
    const storage = memoryStorage()
    storage.setItem('instant.session', JSON.stringify({ access_token: 'a', refresh_token: 'spent', expires_at: Date.now() - 1 }))
    const fetchFn = (async () => json(401, { error: { code: 'unauthorized', message: 'revoked' } })) as unknown as typeof fetch
    const api = new Api('/api/v1', storage, fetchFn)
    let ended = 0
    api.onSessionEnded(() => ended++)
    await expect(api.get('/users/me')).rejects.toBeInstanceOf(ApiError)
    expect(ended).toBe(1)
    expect(api.loggedIn).toBe(false)
    expect(storage.getItem('instant.session')).toBeNull()
  })

  it('turns the contract error body into an ApiError with code and field', async () => {
    const fetchFn = (async () =>
      json(422, { error: { code: 'validation_failed', message: 'must be 3 to 32 characters', field: 'username' } })) as unknown as typeof fetch
    const api = new Api('/api/v1', memoryStorage(), fetchFn)
    const err = await api.register('x', 'password1').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(422)
    expect((err as ApiError).code).toBe('validation_failed')
    expect((err as ApiError).field).toBe('username')
  })
})
