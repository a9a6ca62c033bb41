// REST through the gateway (`/api/v1`, same origin). Owns the session: tokens in
// localStorage so a reload stays logged in, access tokens refreshed before they expire and
// once more on a 401, refresh tokens rotated by the server on every use.
//
// Rotation with reuse detection means two tabs refreshing with the same refresh token would
// revoke the whole login, so a refresh runs under a Web Lock shared by every tab and first
// re-reads storage: a tab that waited finds the token another tab already rotated.

import type { FileInfo, TokenPair } from './types'

const STORAGE_KEY = 'instant.session'
/** Refresh this long before the access token expires. */
const EARLY_MS = 30_000

export interface Session {
  access_token: string
  refresh_token: string
  /** Epoch milliseconds. */
  expires_at: number
}

/** A failed call, with the contract's error code and the field it names. */
export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public field?: string,
  ) {
    super(message)
  }
}

type Listener = () => void

export class Api {
  private session: Session | null = null
  private refreshing: Promise<Session | null> | null = null
  private endedListeners: Listener[] = []

  constructor(
    private base = '/api/v1',
    private storage: Storage = localStorage,
    private fetchFn: typeof fetch = (...a) => fetch(...a),
  ) {
    this.session = this.load()
  }

  get loggedIn(): boolean {
    return this.session !== null
  }

  /** Called once when the session ends without the user logging out (refresh refused). */
  onSessionEnded(fn: Listener): void {
    this.endedListeners.push(fn)
  }

  private load(): Session | null {
    try {
      const raw = this.storage.getItem(STORAGE_KEY)
      if (!raw) return null
      const s = JSON.parse(raw) as Session
      return s.access_token && s.refresh_token ? s : null
    } catch {
      return null
    }
  }

  private store(pair: TokenPair): Session {
    const s: Session = {
      access_token: pair.access_token,
      refresh_token: pair.refresh_token,
      expires_at: Date.now() + pair.expires_in * 1000,
    }
    this.session = s
    this.storage.setItem(STORAGE_KEY, JSON.stringify(s))
    return s
  }

  private clear(): void {
    this.session = null
    this.storage.removeItem(STORAGE_KEY)
  }

  async login(username: string, password: string): Promise<void> {
    const pair = await this.call<TokenPair>('POST', '/auth/login', { username, password }, false)
    this.store(pair)
  }

  async register(username: string, password: string, display_name?: string): Promise<void> {
    await this.call('POST', '/auth/register', { username, password, display_name: display_name || undefined }, false)
  }

  async logout(): Promise<void> {
    const s = this.session
    if (s) {
      try {
        await this.call('POST', '/auth/logout', { refresh_token: s.refresh_token })
      } catch {
        // Logged out locally whatever the server says.
      }
    }
    this.clear()
  }

  /** A valid access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string> {
    let s = this.session
    if (!s) throw new ApiError(401, 'unauthorized', 'not logged in')
    if (s.expires_at - Date.now() < EARLY_MS) s = await this.refresh(s)
    if (!s) throw new ApiError(401, 'unauthorized', 'session ended')
    return s.access_token
  }

  /** One refresh at a time per tab, and across tabs under a lock. */
  refresh(stale: Session | null = this.session): Promise<Session | null> {
    if (!this.refreshing) {
      this.refreshing = this.withLock(() => this.doRefresh(stale)).finally(() => {
        this.refreshing = null
      })
    }
    return this.refreshing
  }

  private async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks
    return locks ? locks.request('instant-refresh', fn) : fn()
  }

  private async doRefresh(stale: Session | null): Promise<Session | null> {
    const current = this.load()
    if (!current) {
      this.ended()
      return null
    }
    // Another tab rotated it while this one waited for the lock.
    if (stale && current.refresh_token !== stale.refresh_token && current.expires_at - Date.now() > EARLY_MS) {
      this.session = current
      return current
    }
    try {
      const pair = await this.call<TokenPair>('POST', '/auth/refresh', { refresh_token: current.refresh_token }, false)
      return this.store(pair)
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        this.ended()
        return null
      }
      throw e
    }
  }

  private ended(): void {
    const had = this.session !== null
    this.clear()
    if (had) for (const fn of this.endedListeners) fn()
  }

  /** A JSON call; with `auth`, a 401 refreshes once and repeats the call. */
  async call<T = unknown>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
    const attempt = async (token?: string) => {
      const headers: Record<string, string> = {}
      if (body !== undefined) headers['content-type'] = 'application/json'
      if (token) headers.authorization = `Bearer ${token}`
      return this.fetchFn(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    }
    let res = await attempt(auth ? await this.accessToken() : undefined)
    if (auth && res.status === 401) {
      const s = await this.refresh(this.session)
      if (!s) throw new ApiError(401, 'unauthorized', 'session ended')
      res = await attempt(s.access_token)
    }
    return parse<T>(res)
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path)
  }

  /** Uploads with progress (0..1); XHR because fetch reports no upload progress. */
  async upload(file: File, conversationId: number | null, onProgress: (p: number) => void): Promise<FileInfo> {
    const token = await this.accessToken()
    const form = new FormData()
    if (conversationId !== null) form.append('conversation_id', String(conversationId))
    form.append('file', file, file.name)
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest()
      xhr.open('POST', this.base + '/files')
      xhr.setRequestHeader('authorization', `Bearer ${token}`)
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total)
      xhr.onerror = () => reject(new ApiError(0, 'network', 'upload failed'))
      xhr.onload = () => {
        let json: unknown = null
        try {
          json = JSON.parse(xhr.responseText)
        } catch {
          /* not JSON */
        }
        if (xhr.status >= 200 && xhr.status < 300) resolve(json as FileInfo)
        else reject(toError(xhr.status, json))
      }
      xhr.send(form)
    })
  }

  /** A file's bytes as a blob URL (images and downloads need the bearer token, so no
   *  plain `src`); cached for the page's life. */
  private blobs = new Map<string, Promise<string>>()
  fileUrl(fileId: string): Promise<string> {
    let url = this.blobs.get(fileId)
    if (!url) {
      url = (async () => {
        const token = await this.accessToken()
        const res = await this.fetchFn(`${this.base}/files/${encodeURIComponent(fileId)}/content`, {
          headers: { authorization: `Bearer ${token}` },
        })
        if (!res.ok) throw toError(res.status, await res.json().catch(() => null))
        return URL.createObjectURL(await res.blob())
      })()
      url.catch(() => this.blobs.delete(fileId))
      this.blobs.set(fileId, url)
    }
    return url
  }
}

async function parse<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T
  const text = await res.text()
  let json: unknown = null
  if (text) {
    try {
      json = JSON.parse(text)
    } catch {
      json = null
    }
  }
  if (!res.ok) throw toError(res.status, json)
  return json as T
}

function toError(status: number, json: unknown): ApiError {
  const err = (json as { error?: { code?: string; message?: string; field?: string } } | null)?.error
  return new ApiError(status, err?.code ?? 'http_' + status, err?.message ?? `HTTP ${status}`, err?.field)
}
