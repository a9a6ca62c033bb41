// A conversation's messages as the client holds them: sorted by seq, each seq once. Pure
// functions, so the "never twice, always in order" rule is tested without a browser.

import type { Message, PendingSend } from './types'

/** `items` (sorted by seq, unique) with `incoming` merged in; a seq already held keeps its
 *  first copy. Returns the same array when nothing was new, so callers can tell. */
export function mergeMessages(items: Message[], incoming: Message[]): Message[] {
  if (incoming.length === 0) return items
  const seen = new Set(items.map((m) => m.seq))
  const fresh: Message[] = []
  for (const m of incoming) {
    if (!seen.has(m.seq)) {
      seen.add(m.seq)
      fresh.push(m)
    }
  }
  if (fresh.length === 0) return items
  const last = items.length ? items[items.length - 1].seq : -Infinity
  // The common case, live messages at the end, needs no sort.
  if (fresh.every((m) => m.seq > last)) {
    fresh.sort((a, b) => a.seq - b.seq)
    return items.concat(fresh)
  }
  return items.concat(fresh).sort((a, b) => a.seq - b.seq)
}

/** The last seq held without a gap from the oldest one held: what `sync` resumes after, so
 *  a hole left by a missed live message is filled too. 0 when nothing is held. */
export function contiguousEnd(items: Message[]): number {
  if (items.length === 0) return 0
  let end = items[0].seq
  for (let i = 1; i < items.length; i++) {
    if (items[i].seq !== end + 1) break
    end = items[i].seq
  }
  return end
}

/** Whether a live message leaves a hole after what is held (then a sync fills it). */
export function leavesGap(items: Message[], seq: number): boolean {
  if (items.length === 0) return false
  const last = items[items.length - 1].seq
  return seq > last + 1
}

/** The pending sends that the server has not confirmed yet: those whose `client_msg_id`
 *  is not among `items` sent by `me`. */
export function unconfirmed(pending: PendingSend[], items: Message[], me: number): PendingSend[] {
  if (pending.length === 0) return pending
  const confirmed = new Set(items.filter((m) => m.sender_id === me).map((m) => m.client_msg_id))
  return pending.filter((p) => !confirmed.has(p.client_msg_id))
}

/** A fresh, unguessable id for a send (the server's idempotency key). */
export function newClientMsgId(): string {
  const bytes = new Uint8Array(12)
  crypto.getRandomValues(bytes)
  return 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}
