// The WebSocket (`/api/v1/realtime/ws`, same origin): connects with a fresh token,
// reconnects with backoff and jitter after any drop, refreshes the token on close 4001,
// pings so an idle socket stays open and a dead one is noticed, and closes itself when the
// browser goes offline (a socket can look open for minutes on a dead network). What to do
// after a (re)connect — sync, resend — is the store's: it listens to `onOpen`.

import { backoffDelay } from './backoff'
import type { ServerFrame } from './types'

export type Status = 'connecting' | 'open' | 'offline'

export interface RealtimeOptions {
  token: () => Promise<string>
  onFrame: (f: ServerFrame) => void
  onOpen: () => void
  onStatus: (s: Status) => void
  /** Called on close 4001 (token expired) or 4003 (session ended) before reconnecting. */
  refresh: () => Promise<unknown>
}

const PING_MS = 20_000
/** No frame at all for this long: the socket is dead whatever it says. */
const SILENCE_MS = 50_000

export class Realtime {
  private ws: WebSocket | null = null
  private attempt = 0
  private timer: ReturnType<typeof setTimeout> | null = null
  private ping: ReturnType<typeof setInterval> | null = null
  private lastFrame = 0
  private stopped = true

  constructor(private opts: RealtimeOptions) {}

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    window.addEventListener('offline', this.goneOffline)
    window.addEventListener('online', this.backOnline)
    void this.connect()
  }

  stop(): void {
    this.stopped = true
    window.removeEventListener('offline', this.goneOffline)
    window.removeEventListener('online', this.backOnline)
    this.clearTimers()
    this.ws?.close(1000)
    this.ws = null
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN
  }

  /** Sends a frame if the socket is open; false otherwise (the caller queues it). */
  send(frame: object): boolean {
    if (!this.open || !this.ws) return false
    this.ws.send(JSON.stringify(frame))
    return true
  }

  private goneOffline = () => {
    this.opts.onStatus('offline')
    this.ws?.close(4000, 'offline')
  }

  private backOnline = () => {
    this.attempt = 0
    this.schedule(0)
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer)
    if (this.ping) clearInterval(this.ping)
    this.timer = null
    this.ping = null
  }

  private schedule(delay: number): void {
    if (this.stopped) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.connect(), delay)
  }

  private async connect(): Promise<void> {
    this.timer = null
    if (this.stopped || (this.ws && this.ws.readyState <= WebSocket.OPEN)) return
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      this.opts.onStatus('offline')
      return // `online` brings it back
    }
    this.opts.onStatus('connecting')
    let token: string
    try {
      token = await this.opts.token()
    } catch {
      this.retry()
      return
    }
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/realtime/ws?token=${encodeURIComponent(token)}`)
    this.ws = ws
    ws.onopen = () => {
      this.attempt = 0
      this.lastFrame = Date.now()
      this.ping = setInterval(() => {
        if (Date.now() - this.lastFrame > SILENCE_MS) ws.close(4000, 'silent')
        else this.send({ type: 'ping' })
      }, PING_MS)
      this.opts.onStatus('open')
      this.opts.onOpen()
    }
    ws.onmessage = (e) => {
      this.lastFrame = Date.now()
      let frame: ServerFrame
      try {
        frame = JSON.parse(String(e.data)) as ServerFrame
      } catch {
        return
      }
      this.opts.onFrame(frame)
    }
    ws.onclose = (e) => {
      if (this.ws !== ws) return
      this.ws = null
      this.clearTimers()
      if (this.stopped) return
      this.opts.onStatus(navigator.onLine === false ? 'offline' : 'connecting')
      if (e.code === 4001 || e.code === 4003) {
        // 4001: the token expired; 4003: an admin ended the session (disable, sign-out,
        // role change). Either way a refresh decides: a fresh token and straight back, or
        // the refresh is refused and the session ends (the sign-in screen).
        this.opts.refresh().then(
          () => this.schedule(0),
          () => this.retry(),
        )
      } else {
        this.retry()
      }
    }
  }

  private retry(): void {
    this.schedule(backoffDelay(this.attempt++))
  }
}
