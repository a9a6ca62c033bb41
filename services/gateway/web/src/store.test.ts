// The store's handling of server frames, without a server: live messages, acks and their
// echoes never duplicate, unread counts follow, send errors are kept or retried.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { api, handleFrame, loadConversations, send, state } from './store'
import type { Conversation, Message } from './types'

const msg = (seq: number, sender = 2, extra: Partial<Message> = {}): Message => ({
  id: 'm' + seq,
  conversation_id: 1,
  seq,
  sender_id: sender,
  type: 'text',
  content: 'c' + seq,
  created_at: `2026-12-02T10:00:0${seq}Z`,
  client_msg_id: 'k' + seq,
  ...extra,
})

const conv = (): Conversation => ({
  id: 1,
  type: 'direct',
  members: [
    { user_id: 1, role: 'member', last_read_seq: 2, joined_at: '' },
    { user_id: 2, role: 'member', last_read_seq: 2, joined_at: '' },
  ],
  unread_count: 0,
  last_seq: 2,
  last_read_seq: 2,
  created_at: '2026-12-02T09:00:00Z',
  last_activity_at: '2026-12-02T10:00:02Z',
})

describe('store frames', () => {
  beforeEach(() => {
    state.me = { id: 1, username: 'me', display_name: 'Me', role: 'user', created_at: '' }
    state.users = { 1: state.me, 2: { id: 2, username: 'peer', display_name: 'Peer', role: 'user', created_at: '' } }
    state.conversations = [conv()]
    state.details = { 1: conv() }
    state.timelines = { 1: { messages: [msg(1), msg(2)], reachedStart: true, loading: false, typing: {}, syncRetries: 3, rev: 0 } }
    state.pending = []
    state.activeId = null
  })

  it('adds a live message once, in order, and counts it unread', () => {
    handleFrame({ type: 'message.new', message: msg(3) })
    handleFrame({ type: 'message.new', message: msg(3) })
    expect(state.timelines[1].messages.map((m) => m.seq)).toEqual([1, 2, 3])
    expect(state.conversations[0]).toMatchObject({ last_seq: 3, unread_count: 1 })
    expect(state.conversations[0].last_message?.content).toBe('c3')
  })

  it('turns my pending send into a message on ack; the echo does not duplicate it', () => {
    send(1, 'hello')
    expect(state.pending).toHaveLength(1)
    expect(state.pending[0].state).toBe('queued') // no socket here
    const cmid = state.pending[0].client_msg_id
    handleFrame({ type: 'ack', client_msg_id: cmid, id: 'mine', seq: 3, conversation_id: 1 })
    expect(state.pending).toHaveLength(0)
    handleFrame({ type: 'message.new', message: msg(3, 1, { id: 'mine', client_msg_id: cmid, content: 'hello' }) })
    const seqs = state.timelines[1].messages.map((m) => [m.seq, m.content])
    expect(seqs).toEqual([[1, 'c1'], [2, 'c2'], [3, 'hello']])
    expect(state.conversations[0].unread_count).toBe(0)
  })

  it('a read frame moves the peer cursor ("seen") and my own unread count', () => {
    handleFrame({ type: 'message.new', message: msg(3) })
    handleFrame({ type: 'read', conversation_id: 1, user_id: 2, seq: 3 })
    expect(state.details[1].members?.find((m) => m.user_id === 2)?.last_read_seq).toBe(3)
    handleFrame({ type: 'read', conversation_id: 1, user_id: 1, seq: 3 })
    expect(state.conversations[0].unread_count).toBe(0)
  })

  it('keeps a send queued on a retryable error, marks it failed on a refusal', () => {
    send(1, 'a')
    send(1, 'b')
    const [a, b] = state.pending.map((p) => p.client_msg_id)
    handleFrame({ type: 'error', code: 'service_unavailable', message: 'later', client_msg_id: a })
    handleFrame({ type: 'error', code: 'forbidden', message: 'muted', client_msg_id: b })
    expect(state.pending.map((p) => [p.state, p.error ?? null])).toEqual([
      ['queued', null],
      ['failed', 'muted'],
    ])
  })

  it('typing shows for the sender only until their message arrives', () => {
    handleFrame({ type: 'typing', conversation_id: 1, user_id: 2 })
    expect(Object.keys(state.timelines[1].typing)).toEqual(['2'])
    handleFrame({ type: 'message.new', message: msg(3) })
    expect(Object.keys(state.timelines[1].typing)).toEqual([])
  })

  it('applies a live change to the message held and to the list preview, but only sync.done moves the rev', () => {
    state.conversations[0].last_message = msg(2)
    handleFrame({ type: 'message.updated', message: msg(2, 2, { content: 'edited', rev: 5, edited_at: 'x' }), change: { kind: 'edited', user_id: 2 } })
    expect(state.timelines[1].messages[1].content).toBe('edited')
    expect(state.conversations[0].last_message?.content).toBe('edited')
    expect(state.timelines[1].rev).toBe(0)
    // An older state arriving late changes nothing.
    handleFrame({ type: 'message.updated', message: msg(2, 2, { content: 'stale', rev: 4 }), change: { kind: 'edited', user_id: 2 } })
    expect(state.timelines[1].messages[1].content).toBe('edited')
    handleFrame({ type: 'sync.done', conversation_id: 1, last_seq: 2, has_more: false, last_rev: 5 })
    expect(state.timelines[1].rev).toBe(5)
  })

  it('a message of a new conversation counts once the list has it, even if the list trails it', async () => {
    // The list is read from persisted messages: here it has the new chat, not its message.
    const fresh = { ...conv(), id: 9, last_seq: 0, last_read_seq: 0, unread_count: 0, last_message: undefined }
    const get = vi.spyOn(api, 'get').mockResolvedValue({ items: [fresh, conv()] })
    state.conversations = [conv()]
    handleFrame({ type: 'message.new', message: msg(1, 2, { id: 'n1', conversation_id: 9, content: 'hello' }) })
    await vi.waitFor(() => expect(state.conversations.find((c) => c.id === 9)).toBeDefined())
    expect(state.conversations.find((c) => c.id === 9)).toMatchObject({ last_seq: 1, unread_count: 1 })
    expect(state.conversations.find((c) => c.id === 9)?.last_message?.content).toBe('hello')
    // A later list read that still trails does not undo it.
    get.mockResolvedValue({ items: [{ ...fresh }, conv()] })
    await loadConversations()
    expect(state.conversations.find((c) => c.id === 9)).toMatchObject({ last_seq: 1, unread_count: 1 })
    get.mockRestore()
  })
})
