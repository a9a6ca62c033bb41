// The client's state and everything that changes it: REST loads, WebSocket frames, the
// outbox of unacknowledged sends. Components read `state` and call the actions below;
// nothing else talks to the server.
//
// The realtime rule: a conversation's timeline only ever grows by `mergeMessages` (sorted,
// each seq once); after every (re)connect each loaded timeline is synced from its
// `contiguousEnd`, and a live message that leaves a hole triggers the same sync, so what is
// shown is exactly history. Sends carry a `client_msg_id` and stay in the outbox (kept in
// localStorage) until the server confirms them; resending is safe because the server
// answers a repeated `client_msg_id` with the same message.

import { reactive } from 'vue'
import { Api, ApiError } from './api'
import { Realtime, type Status } from './realtime'
import { applyUpdate, contiguousEnd, leavesGap, maxRev, mergeMessages, newClientMsgId } from './timeline'
import type {
  Broadcast,
  Conversation,
  ConversationId,
  FileInfo,
  Message,
  MessageChange,
  Notification,
  PendingSend,
  ServerFrame,
  User,
  UserId,
} from './types'

export const PAGE = 50
const TYPING_SHOWN_MS = 4000
const TYPING_SEND_EVERY_MS = 2000
/** Send errors that say "later", not "never": the send stays queued and is retried. */
const RETRYABLE = new Set(['upstream_unavailable', 'upstream_timeout', 'service_unavailable', 'rate_limited'])

export interface Timeline {
  messages: Message[]
  reachedStart: boolean
  loading: boolean
  /** user id -> until when their typing indicator shows (epoch ms). */
  typing: Record<number, number>
  /** Re-syncs left before giving up on a hole (the persistence worker may lag). */
  syncRetries: number
  /** Every change up to this rev is applied to the messages held: what `sync` asks after. */
  rev: number
}

export interface Upload {
  id: string
  conversation_id: ConversationId
  name: string
  progress: number
  error?: string
}

export const state = reactive({
  me: null as User | null,
  sessionEnded: false,
  status: 'connecting' as Status,
  conversations: [] as Conversation[],
  details: {} as Record<number, Conversation>,
  timelines: {} as Record<number, Timeline>,
  users: {} as Record<number, User>,
  pending: [] as PendingSend[],
  uploads: [] as Upload[],
  notifications: [] as Notification[],
  notificationsLoaded: false,
  unreadNotifications: 0,
  banner: null as Broadcast | null,
  /** Bumped by `pins.updated`: a pins list on screen reloads. */
  pinsVersion: 0,
  activeId: null as ConversationId | null,
  /** A conversation the user was just removed from (shown once). */
  removedNotice: null as string | null,
  now: Date.now(),
})

export const api = new Api()
api.onSessionEnded(() => {
  realtime.stop()
  reset()
  state.sessionEnded = true
})

const realtime = new Realtime({
  token: () => api.accessToken(),
  refresh: () => api.refresh(),
  onFrame: (f) => handleFrame(f),
  onOpen: () => void resyncAll(),
  onStatus: (s) => (state.status = s),
})

function reset(): void {
  state.me = null
  state.conversations = []
  state.details = {}
  state.timelines = {}
  state.users = {}
  state.pending = []
  state.uploads = []
  state.notifications = []
  state.notificationsLoaded = false
  state.unreadNotifications = 0
  state.banner = null
  state.activeId = null
}

// ---- session ------------------------------------------------------------------------

export async function boot(): Promise<void> {
  if (!api.loggedIn) return
  try {
    state.me = await api.get<User>('/users/me')
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return
    throw e
  }
  state.users[state.me.id] = state.me
  state.pending = loadOutbox()
  realtime.start()
  await Promise.all([loadConversations(), loadUnreadCount(), loadLatestBroadcast()])
}

export async function login(username: string, password: string): Promise<void> {
  await api.login(username, password)
  state.sessionEnded = false
  await boot()
}

export async function register(username: string, password: string, displayName: string): Promise<void> {
  await api.register(username, password, displayName)
  await login(username, password)
}

export async function logout(): Promise<void> {
  realtime.stop()
  await api.logout()
  reset()
}

setInterval(() => (state.now = Date.now()), 1000)

// ---- users --------------------------------------------------------------------------

const userLoads = new Map<number, Promise<void>>()
/** Loads a user once; `fresh` reloads it (for `online`, which presence frames only keep
 *  current while connected). */
export function ensureUser(id: UserId, fresh = false): void {
  if ((state.users[id] && !fresh) || userLoads.has(id)) return
  userLoads.set(
    id,
    api
      .get<User>(`/users/${id}`)
      .then((u) => void (state.users[id] = u))
      .catch(() => undefined)
      .finally(() => userLoads.delete(id)),
  )
}

export function userName(id: UserId): string {
  const u = state.users[id]
  if (!u) {
    ensureUser(id)
    return '#' + id
  }
  return u.display_name || u.username
}

export async function searchUsers(q: string): Promise<User[]> {
  const page = await api.get<{ items: User[] }>(`/users/search?q=${encodeURIComponent(q)}&limit=20`)
  for (const u of page.items) state.users[u.id] = { ...state.users[u.id], ...u }
  return page.items
}

// ---- conversations ------------------------------------------------------------------

/** The other member of a direct chat. */
export function peerOf(c: Conversation): UserId | null {
  const members = state.details[c.id]?.members ?? c.members ?? []
  const other = members.find((m) => m.user_id !== state.me?.id)
  return other?.user_id ?? null
}

export function conversationTitle(c: Conversation): string {
  if (c.type === 'direct') {
    const peer = peerOf(c)
    return peer === null ? '…' : userName(peer)
  }
  return c.name || '…'
}

function sortConversations(): void {
  state.conversations.sort((a, b) => b.last_activity_at.localeCompare(a.last_activity_at) || b.id - a.id)
}

/** Live messages of conversations the list did not hold yet (a new chat): applied once
 *  the list has them. Bounded: the newest per conversation, at most 100 conversations. */
const unlisted: Record<number, Message> = {}

/** The list from the server, merged with what arrived live: the list is built from
 *  persisted messages, which trail the live ones by a moment, so a newer message seen on
 *  the socket is kept rather than undone by a list read in between. */
export async function loadConversations(): Promise<void> {
  const page = await api.get<{ items: Conversation[] }>('/conversations?limit=100')
  const before = new Map(state.conversations.map((c) => [c.id, c]))
  for (const c of page.items) {
    const old = before.get(c.id)
    if (old && old.last_seq > c.last_seq) {
      c.last_seq = old.last_seq
      c.last_message = old.last_message
      c.last_activity_at = old.last_activity_at
      c.last_read_seq = Math.max(c.last_read_seq, old.last_read_seq)
      c.unread_count = Math.max(0, c.last_seq - c.last_read_seq)
    }
  }
  state.conversations = page.items
  for (const [id, m] of Object.entries(unlisted)) {
    const c = state.conversations.find((x) => x.id === Number(id))
    if (c) {
      delete unlisted[Number(id)]
      touchConversation(c, m)
    }
  }
  for (const c of page.items) {
    // Direct peers afresh: their online state may have changed while we were away.
    if (c.members) c.members.forEach((m) => ensureUser(m.user_id, c.type === 'direct' && m.user_id !== state.me?.id))
    if (c.last_message) ensureUser(c.last_message.sender_id)
    if (c.id === state.activeId) c.unread_count = 0
  }
  sortConversations()
}

function upsertConversation(c: Conversation): void {
  const i = state.conversations.findIndex((x) => x.id === c.id)
  if (i >= 0) state.conversations[i] = { ...state.conversations[i], ...c, members: c.members ?? state.conversations[i].members }
  else state.conversations.push(c)
  sortConversations()
}

export async function loadDetails(id: ConversationId): Promise<Conversation | null> {
  try {
    const c = await api.get<Conversation>(`/conversations/${id}`)
    state.details[id] = c
    c.members?.forEach((m) => ensureUser(m.user_id))
    upsertConversation({ ...c, unread_count: id === state.activeId ? 0 : c.unread_count })
    return c
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      removedFrom(id)
      return null
    }
    throw e
  }
}

function removedFrom(id: ConversationId): void {
  const c = state.conversations.find((x) => x.id === id)
  state.conversations = state.conversations.filter((x) => x.id !== id)
  delete state.details[id]
  delete state.timelines[id]
  if (state.activeId === id) {
    state.activeId = null
    state.removedNotice = c ? conversationTitle(c) : '#' + id
    history.replaceState(null, '', '/')
  }
}

export async function openDirect(userId: UserId): Promise<ConversationId> {
  const c = await api.call<Conversation>('POST', '/conversations', { type: 'direct', member_ids: [userId] })
  upsertConversation(c)
  state.details[c.id] = c
  return c.id
}

export async function createGroup(name: string, memberIds: UserId[]): Promise<ConversationId> {
  const c = await api.call<Conversation>('POST', '/conversations', { type: 'group', name, member_ids: memberIds })
  upsertConversation(c)
  state.details[c.id] = c
  return c.id
}

function timeline(id: ConversationId): Timeline {
  let t = state.timelines[id]
  if (!t) {
    state.timelines[id] = { messages: [], reachedStart: false, loading: false, typing: {}, syncRetries: 3, rev: 0 }
    t = state.timelines[id]
  }
  return t
}

export async function openConversation(id: ConversationId): Promise<void> {
  state.activeId = id
  state.removedNotice = null
  const t = timeline(id)
  const details = await loadDetails(id)
  if (!details) return
  if (details.type === 'direct') {
    const peer = peerOf(details)
    if (peer !== null) ensureUser(peer, true)
  }
  if (t.messages.length === 0 && !t.reachedStart) await loadOlder(id)
  void markRead(id)
}

/** The page of history before the oldest message held (the newest page at first). */
export async function loadOlder(id: ConversationId): Promise<number> {
  const t = timeline(id)
  if (t.loading || t.reachedStart) return 0
  t.loading = true
  try {
    const before = t.messages.length ? t.messages[0].seq : Number.MAX_SAFE_INTEGER
    const page = await api.get<{ items: Message[] }>(
      `/messages?conversation_id=${id}&before_seq=${before}&limit=${PAGE}`,
    )
    page.items.forEach((m) => ensureUser(m.sender_id))
    const had = t.messages.length
    // The first page is current as of now: changes up to its newest rev are in it. (Older
    // pages are current too, but a change to a message held meanwhile may lie below.)
    if (had === 0) t.rev = Math.max(t.rev, maxRev(page.items))
    t.messages = mergeMessages(t.messages, page.items)
    if (page.items.length < PAGE || (page.items[0]?.seq ?? 1) <= 1) t.reachedStart = true
    return t.messages.length - had
  } finally {
    t.loading = false
  }
}

let readTimers: Record<number, ReturnType<typeof setTimeout>> = {}
/** Moves the read cursor to the newest message held, if the chat is being looked at. */
export async function markRead(id: ConversationId): Promise<void> {
  if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return
  const c = state.conversations.find((x) => x.id === id)
  const t = state.timelines[id]
  const newest = Math.max(c?.last_seq ?? 0, t?.messages.at(-1)?.seq ?? 0)
  if (!c || newest <= c.last_read_seq) {
    if (c) c.unread_count = 0
    return
  }
  c.last_read_seq = newest
  c.unread_count = 0
  clearTimeout(readTimers[id])
  readTimers[id] = setTimeout(() => {
    api.call('POST', '/messages/read', { conversation_id: id, seq: newest }).catch(() => undefined)
  }, 150)
}

// ---- sending ------------------------------------------------------------------------

const OUTBOX_KEY = () => `instant.outbox.${state.me?.id ?? 0}`

function loadOutbox(): PendingSend[] {
  try {
    const list = JSON.parse(localStorage.getItem(OUTBOX_KEY()) ?? '[]') as PendingSend[]
    return list.map((p) => ({ ...p, state: p.state === 'failed' ? 'failed' : 'queued' }))
  } catch {
    return []
  }
}

function saveOutbox(): void {
  localStorage.setItem(OUTBOX_KEY(), JSON.stringify(state.pending))
}

export function send(
  conversationId: ConversationId,
  content: string,
  opts: { type?: string; file?: FileInfo; replyTo?: string | null } = {},
): void {
  const p: PendingSend = {
    client_msg_id: newClientMsgId(),
    conversation_id: conversationId,
    type: opts.type ?? 'text',
    content,
    file_id: opts.file?.id ?? null,
    file: opts.file ?? null,
    reply_to: opts.replyTo ?? null,
    created_at: new Date().toISOString(),
    state: 'queued',
  }
  state.pending.push(p)
  saveOutbox()
  trySend(p)
  // The next keystroke starts a new "typing" at once.
  delete typingSent[conversationId]
}

function trySend(p: PendingSend): void {
  const message = {
    conversation_id: p.conversation_id,
    client_msg_id: p.client_msg_id,
    type: p.type,
    content: p.content,
    file_id: p.file_id ?? undefined,
    reply_to: p.reply_to ?? undefined,
  }
  p.state = realtime.send({ type: 'message.send', message }) ? 'sending' : 'queued'
}

function flushOutbox(): void {
  for (const p of state.pending) if (p.state !== 'failed') trySend(p)
}

export function retrySend(clientMsgId: string): void {
  const p = state.pending.find((x) => x.client_msg_id === clientMsgId)
  if (p) {
    p.state = 'queued'
    p.error = undefined
    trySend(p)
  }
}

export function discardSend(clientMsgId: string): void {
  state.pending = state.pending.filter((x) => x.client_msg_id !== clientMsgId)
  saveOutbox()
}

function confirmed(clientMsgId: string): PendingSend | undefined {
  const p = state.pending.find((x) => x.client_msg_id === clientMsgId)
  if (p) {
    state.pending = state.pending.filter((x) => x !== p)
    saveOutbox()
  }
  return p
}

export async function sendFile(conversationId: ConversationId, file: File, replyTo: string | null): Promise<void> {
  const up: Upload = { id: newClientMsgId(), conversation_id: conversationId, name: file.name, progress: 0 }
  state.uploads.push(up)
  const live = state.uploads[state.uploads.length - 1]
  try {
    const info = await api.upload(file, conversationId, (p) => (live.progress = p))
    const isImage = info.content_type.startsWith('image/') && info.width != null
    send(conversationId, '', { type: isImage ? 'image' : 'file', file: info, replyTo })
    state.uploads = state.uploads.filter((u) => u.id !== up.id)
  } catch (e) {
    live.error = e instanceof Error ? e.message : String(e)
    setTimeout(() => (state.uploads = state.uploads.filter((u) => u.id !== up.id)), 6000)
  }
}

const typingSent: Record<number, number> = {}
export function notifyTyping(conversationId: ConversationId): void {
  const now = Date.now()
  if ((typingSent[conversationId] ?? 0) + TYPING_SEND_EVERY_MS > now) return
  if (realtime.send({ type: 'typing', conversation_id: conversationId })) typingSent[conversationId] = now
}

export function typingUsers(conversationId: ConversationId): UserId[] {
  const t = state.timelines[conversationId]
  if (!t) return []
  return Object.entries(t.typing)
    .filter(([, until]) => until > state.now)
    .map(([u]) => Number(u))
}

// ---- realtime -----------------------------------------------------------------------

/** After every (re)connect: fill every loaded timeline, refresh the list, resend. */
async function resyncAll(): Promise<void> {
  for (const [id, t] of Object.entries(state.timelines)) {
    t.syncRetries = 3
    if (t.messages.length) sync(Number(id))
  }
  flushOutbox()
  try {
    await Promise.all([loadConversations(), loadUnreadCount()])
    if (state.activeId !== null) await loadDetails(state.activeId)
  } catch {
    // The next reconnect tries again.
  }
}

function sync(id: ConversationId): void {
  const t = state.timelines[id]
  if (!t) return
  realtime.send({ type: 'sync', conversation_id: id, after_seq: contiguousEnd(t.messages), after_rev: t.rev })
}

function addMessage(m: Message): void {
  ensureUser(m.sender_id)
  const mine = m.sender_id === state.me?.id
  if (mine) confirmed(m.client_msg_id)
  const t = state.timelines[m.conversation_id]
  if (t) {
    const gap = leavesGap(t.messages, m.seq)
    t.messages = mergeMessages(t.messages, [m])
    delete t.typing[m.sender_id]
    if (gap) sync(m.conversation_id)
  }
  const c = state.conversations.find((x) => x.id === m.conversation_id)
  if (c) {
    touchConversation(c, m)
  } else {
    // A conversation new to us: held until the list has it (it may not yet, if this
    // message is not persisted when the list is read).
    const held = unlisted[m.conversation_id]
    if (!held || held.seq < m.seq) {
      if (!held && Object.keys(unlisted).length >= 100) delete unlisted[Number(Object.keys(unlisted)[0])]
      unlisted[m.conversation_id] = m
    }
    void loadConversations().catch(() => {})
  }
  if (m.type === 'system' && state.details[m.conversation_id]) void loadDetails(m.conversation_id)
}

/** A newer message into the list entry: preview, order, unread count. */
function touchConversation(c: Conversation, m: Message): void {
  if (m.seq <= c.last_seq) return
  c.last_seq = m.seq
  c.last_message = m
  c.last_activity_at = m.created_at
  const looking = state.activeId === m.conversation_id
  if (m.sender_id === state.me?.id) c.last_read_seq = Math.max(c.last_read_seq, m.seq)
  else if (looking) void markRead(m.conversation_id)
  c.unread_count = looking ? 0 : Math.max(0, c.last_seq - c.last_read_seq)
  sortConversations()
}

/** A message's new state (live, from `sync`, or a REST answer) into what is held. Live
 *  changes do not move the timeline's rev (they may arrive out of order); `sync.done` does. */
function updateMessage(m: Message, change: MessageChange | null | undefined): void {
  const t = state.timelines[m.conversation_id]
  if (t) t.messages = applyUpdate(t.messages, m, change, state.me?.id ?? 0)
  const c = state.conversations.find((x) => x.id === m.conversation_id)
  if (c?.last_message?.id === m.id) c.last_message = m
}

export function handleFrame(f: ServerFrame): void {
  switch (f.type) {
    case 'message.new':
      addMessage(f.message)
      break
    case 'message.updated':
      updateMessage(f.message, f.change)
      break
    case 'pins.updated':
      state.pinsVersion++
      break
    case 'ack': {
      const p = confirmed(f.client_msg_id)
      if (p && state.me) {
        addMessage({
          id: f.id,
          seq: f.seq,
          conversation_id: f.conversation_id,
          sender_id: state.me.id,
          type: p.type,
          content: p.content,
          file_id: p.file_id,
          file: p.file,
          reply_to: p.reply_to,
          created_at: p.created_at,
          client_msg_id: p.client_msg_id,
        })
      }
      break
    }
    case 'typing':
      if (f.user_id !== state.me?.id) timeline(f.conversation_id).typing[f.user_id] = Date.now() + TYPING_SHOWN_MS
      break
    case 'presence': {
      const u = state.users[f.user_id]
      if (u) u.online = f.status === 'online'
      break
    }
    case 'read': {
      const d = state.details[f.conversation_id]
      const member = d?.members?.find((m) => m.user_id === f.user_id)
      if (member) member.last_read_seq = Math.max(member.last_read_seq, f.seq)
      if (f.user_id === state.me?.id) {
        const c = state.conversations.find((x) => x.id === f.conversation_id)
        if (c) {
          c.last_read_seq = Math.max(c.last_read_seq, f.seq)
          c.unread_count = Math.max(0, c.last_seq - c.last_read_seq)
        }
      }
      break
    }
    case 'notification':
      state.notifications.unshift(f.notification)
      if (!f.notification.read) state.unreadNotifications++
      break
    case 'conversation.updated':
      if (state.details[f.conversation.id] || state.conversations.some((c) => c.id === f.conversation.id)) {
        void loadDetails(f.conversation.id)
      } else {
        void loadConversations()
      }
      break
    case 'broadcast':
      state.banner = f.broadcast
      state.unreadNotifications++
      break
    case 'sync.done': {
      const t = state.timelines[f.conversation_id]
      if (!t) break
      if (f.last_rev != null) t.rev = Math.max(t.rev, f.last_rev)
      const c = state.conversations.find((x) => x.id === f.conversation_id)
      if (f.has_more) sync(f.conversation_id)
      else if (c && contiguousEnd(t.messages) < c.last_seq && t.syncRetries-- > 0) {
        // Announced but not stored yet (the persistence worker is a moment behind).
        setTimeout(() => sync(f.conversation_id), 500)
      }
      break
    }
    case 'error':
      if (f.client_msg_id) {
        const p = state.pending.find((x) => x.client_msg_id === f.client_msg_id)
        if (p) {
          if (RETRYABLE.has(f.code)) {
            p.state = 'queued'
            setTimeout(() => trySend(p), 2000)
          } else {
            p.state = 'failed'
            p.error = f.message
            saveOutbox()
          }
        }
      } else if (f.code === 'resync') {
        void resyncAll()
      }
      break
    case 'pong':
      break
  }
}

// ---- the message lifecycle ------------------------------------------------------------

/** Whether I may recall `m`: mine within the window the server enforces (it answers 403
 *  past it), or any message in a group I own or administer. */
export function canRecall(m: Message): boolean {
  if (m.recalled || m.type === 'system') return false
  if (m.sender_id === state.me?.id) return true
  const c = state.details[m.conversation_id]
  return c?.type === 'group' && ['owner', 'admin'].includes(myRole(m.conversation_id) ?? '')
}

/** Whether I may pin in this conversation: a direct chat, or a group I own or administer. */
export function canPin(id: ConversationId): boolean {
  const c = state.details[id] ?? state.conversations.find((x) => x.id === id)
  return c?.type === 'direct' || ['owner', 'admin'].includes(myRole(id) ?? '')
}

async function change(method: string, path: string, body?: unknown): Promise<void> {
  const updated = await api.call<Message>(method, path, body)
  // A REST answer is mine alone: its reactions' `me` is right as it is.
  if (updated) updateMessage(updated, null)
}

export const lifecycle = {
  edit: (m: Message, content: string) => change('PATCH', `/messages/${m.id}`, { content }),
  recall: (m: Message) => change('POST', `/messages/${m.id}/recall`),
  react: (m: Message, emoji: string, on: boolean) =>
    change(on ? 'PUT' : 'DELETE', `/messages/${m.id}/reactions/${encodeURIComponent(emoji)}`),
  pin: (m: Message, on: boolean) => change(on ? 'PUT' : 'DELETE', `/conversations/${m.conversation_id}/pins/${m.id}`),
  hide: async (m: Message) => {
    await api.call('DELETE', `/messages/${m.id}`)
    updateMessage({ ...m, hidden: true, content: '', reactions: [] }, { kind: 'hidden', user_id: state.me?.id ?? 0 })
  },
}

// ---- groups -------------------------------------------------------------------------

export function myRole(id: ConversationId): string | null {
  const m = state.details[id]?.members?.find((x) => x.user_id === state.me?.id)
  return m?.role ?? null
}

async function groupCall(id: ConversationId, method: string, path: string, body?: unknown): Promise<void> {
  await api.call(method, `/groups/${id}${path}`, body)
  await loadDetails(id)
}

export const groups = {
  addMembers: (id: ConversationId, userIds: UserId[]) => groupCall(id, 'POST', '/members', { user_ids: userIds }),
  remove: (id: ConversationId, userId: UserId) => groupCall(id, 'DELETE', `/members/${userId}`),
  leave: async (id: ConversationId) => {
    await api.call('DELETE', `/groups/${id}/members/${state.me?.id}`)
    removedFrom(id)
    state.removedNotice = null
  },
  setRole: (id: ConversationId, userId: UserId, role: string) => groupCall(id, 'PUT', `/members/${userId}/role`, { role }),
  mute: (id: ConversationId, userId: UserId, seconds: number) => groupCall(id, 'PUT', `/members/${userId}/mute`, { seconds }),
  transfer: (id: ConversationId, userId: UserId) => groupCall(id, 'PUT', '/owner', { user_id: userId }),
  edit: (id: ConversationId, patch: { name?: string; announcement?: string | null }) => groupCall(id, 'PATCH', '', patch),
}

// ---- notifications and broadcasts ---------------------------------------------------

export async function loadUnreadCount(): Promise<void> {
  const r = await api.get<{ count: number }>('/notifications/unread-count')
  state.unreadNotifications = r.count
}

export async function loadNotifications(): Promise<void> {
  const page = await api.get<{ items: Notification[] }>('/notifications?limit=50')
  state.notifications = page.items
  state.notificationsLoaded = true
}

export async function readNotification(n: Notification): Promise<void> {
  if (n.read) return
  await api.call('POST', `/notifications/${encodeURIComponent(n.id)}/read`)
  n.read = true
  state.unreadNotifications = Math.max(0, state.unreadNotifications - 1)
}

export async function readAllNotifications(): Promise<void> {
  await api.call('POST', '/notifications/read-all')
  state.notifications.forEach((n) => (n.read = true))
  state.unreadNotifications = 0
}

/** The newest broadcast still unread in the inbox becomes the banner. */
async function loadLatestBroadcast(): Promise<void> {
  const page = await api.get<{ items: Notification[] }>('/notifications?unread_only=true&limit=20')
  const b = page.items.find((n) => n.kind === 'broadcast')
  if (b) state.banner = { id: b.id, ...(b.payload as object) } as Broadcast
}

export async function dismissBanner(): Promise<void> {
  const b = state.banner
  state.banner = null
  if (!b) return
  try {
    await api.call('POST', `/notifications/${encodeURIComponent(b.id)}/read`)
    state.unreadNotifications = Math.max(0, state.unreadNotifications - 1)
  } catch {
    // Shown again next time; nothing lost.
  }
}
