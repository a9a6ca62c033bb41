// A conversation's messages as the client holds them: sorted by seq, each seq once. Pure
// functions, so the "never twice, always in order" rule is tested without a browser.

import type { Message, MessageChange, PendingSend } from './types'

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

/** `items` with the message of `updated.seq` replaced by its newer state (a copy of the
 *  array), or `items` itself when it is not held or what is held is as new already (a
 *  change replayed by `sync` after it arrived live). Live frames carry no `me` in their
 *  reactions: it is kept from what was held, and set from `change` when the change was
 *  mine. */
export function applyUpdate(items: Message[], updated: Message, change: MessageChange | null | undefined, me: number): Message[] {
  const i = items.findIndex((m) => m.seq === updated.seq && m.id === updated.id)
  if (i < 0) return items
  const held = items[i]
  if ((held.rev ?? 0) > (updated.rev ?? 0)) return items
  if ((held.rev ?? 0) === (updated.rev ?? 0) && !change && !updated.hidden) return items
  const next = { ...updated }
  if (change) {
    next.reactions = (updated.reactions ?? []).map((r) => {
      const before = held.reactions?.find((x) => x.emoji === r.emoji)?.me ?? false
      const mine = change.user_id === me && change.emoji === r.emoji
      if (mine && change.kind === 'reaction_added') return { ...r, me: true }
      if (mine && change.kind === 'reaction_removed') return { ...r, me: false }
      return { ...r, me: r.me || before }
    })
  }
  const copy = items.slice()
  copy[i] = next
  return copy
}

/** The highest rev among `items` (0 when none changed). */
export function maxRev(items: Message[]): number {
  return items.reduce((r, m) => Math.max(r, m.rev ?? 0), 0)
}
