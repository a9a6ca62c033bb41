import { describe, expect, it } from 'vitest'
import { applyUpdate, contiguousEnd, leavesGap, maxRev, mergeMessages, newClientMsgId, unconfirmed } from './timeline'
import type { Message, PendingSend } from './types'

const msg = (seq: number, extra: Partial<Message> = {}): Message => ({
  id: 'm' + seq,
  conversation_id: 1,
  seq,
  sender_id: 7,
  type: 'text',
  content: 'c' + seq,
  created_at: '2026-12-02T10:00:00Z',
  client_msg_id: 'k' + seq,
  ...extra,
})

describe('mergeMessages', () => {
  it('keeps seq order and each seq once, whatever arrives in which order', () => {
    let items: Message[] = []
    items = mergeMessages(items, [msg(3), msg(1)])
    items = mergeMessages(items, [msg(2), msg(3), msg(5)])
    items = mergeMessages(items, [msg(4), msg(4), msg(1)])
    expect(items.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5])
  })

  it('keeps the first copy of a seq and returns the same array when nothing is new', () => {
    const items = mergeMessages([], [msg(1, { content: 'first' })])
    const again = mergeMessages(items, [msg(1, { content: 'second' })])
    expect(again).toBe(items)
    expect(again[0].content).toBe('first')
  })

  it('appends live messages without reordering what is held', () => {
    const items = mergeMessages([], [msg(1), msg(2)])
    const next = mergeMessages(items, [msg(3)])
    expect(next.map((m) => m.seq)).toEqual([1, 2, 3])
  })
})

describe('contiguousEnd and gaps', () => {
  it('is 0 for nothing held, else the end of the run from the oldest held', () => {
    expect(contiguousEnd([])).toBe(0)
    expect(contiguousEnd([msg(4), msg(5), msg(6)])).toBe(6)
    expect(contiguousEnd([msg(4), msg(5), msg(8), msg(9)])).toBe(5)
  })

  it('tells a live message that skips a seq', () => {
    const items = [msg(1), msg(2)]
    expect(leavesGap(items, 3)).toBe(false)
    expect(leavesGap(items, 4)).toBe(true)
    expect(leavesGap([], 9)).toBe(false)
  })
})

describe('unconfirmed', () => {
  const p = (id: string): PendingSend => ({
    client_msg_id: id,
    conversation_id: 1,
    type: 'text',
    content: id,
    created_at: '',
    state: 'queued',
  })

  it('drops pending sends the server has confirmed for me, not for someone else', () => {
    const items = [msg(1, { client_msg_id: 'a', sender_id: 7 }), msg(2, { client_msg_id: 'b', sender_id: 8 })]
    expect(unconfirmed([p('a'), p('b'), p('c')], items, 7).map((x) => x.client_msg_id)).toEqual(['b', 'c'])
  })
})

it('client message ids are distinct and within the 64-character limit', () => {
  const ids = new Set(Array.from({ length: 200 }, newClientMsgId))
  expect(ids.size).toBe(200)
  for (const id of ids) expect(id.length).toBeLessThanOrEqual(64)
})

describe('applyUpdate', () => {
  const held = () => mergeMessages([], [msg(1), msg(2, { rev: 3, reactions: [{ emoji: '👍', count: 1, me: true, user_ids: [9] }] })])

  it('replaces a held message with a newer state and ignores an older or repeated one', () => {
    const items = held()
    const edited = applyUpdate(items, msg(1, { content: 'new', rev: 4, edited_at: 'x' }), { kind: 'edited', user_id: 7 }, 9)
    expect(edited[0].content).toBe('new')
    expect(edited).not.toBe(items)
    // The same rev replayed by sync, or an older one arriving late: nothing changes.
    expect(applyUpdate(edited, msg(1, { content: 'new', rev: 4 }), null, 9)).toBe(edited)
    expect(applyUpdate(edited, msg(1, { content: 'old', rev: 2 }), { kind: 'edited', user_id: 7 }, 9)).toBe(edited)
    expect(applyUpdate(edited, msg(9, { rev: 5 }), null, 9)).toBe(edited)
    expect(maxRev(edited)).toBe(4)
  })

  it('keeps my reaction flag from what was held, and sets it from my own change', () => {
    const items = held()
    // Someone else adds 👍: live frames carry me=false; mine stays true.
    const other = applyUpdate(items, msg(2, { rev: 5, reactions: [{ emoji: '👍', count: 2, me: false, user_ids: [9, 8] }] }), { kind: 'reaction_added', user_id: 8, emoji: '👍' }, 9)
    expect(other[1].reactions?.[0]).toMatchObject({ count: 2, me: true })
    // I remove mine.
    const removed = applyUpdate(other, msg(2, { rev: 6, reactions: [{ emoji: '👍', count: 1, me: false, user_ids: [8] }] }), { kind: 'reaction_removed', user_id: 9, emoji: '👍' }, 9)
    expect(removed[1].reactions?.[0]).toMatchObject({ count: 1, me: false })
    // I add 🎉.
    const added = applyUpdate(removed, msg(2, { rev: 7, reactions: [{ emoji: '👍', count: 1, me: false, user_ids: [8] }, { emoji: '🎉', count: 1, me: false, user_ids: [9] }] }), { kind: 'reaction_added', user_id: 9, emoji: '🎉' }, 9)
    expect(added[1].reactions?.map((r) => r.me)).toEqual([false, true])
  })
})
