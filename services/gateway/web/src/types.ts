// The contract's shapes as the client reads them (../shared/docs/contract.md; the server's
// definitions are crates/common-proto/src/rest.rs and ws.rs).

export type UserId = number
export type ConversationId = number

export interface User {
  id: UserId
  username: string
  display_name: string
  avatar_file_id?: string | null
  bio?: string | null
  role: string
  created_at: string
  online?: boolean | null
  last_seen_at?: string | null
}

export interface TokenPair {
  access_token: string
  refresh_token: string
  token_type: string
  expires_in: number
}

export interface FileInfo {
  id: string
  filename: string
  size: number
  content_type: string
  sha256?: string
  width?: number | null
  height?: number | null
  created_at?: string
}

export interface Message {
  id: string
  conversation_id: ConversationId
  seq: number
  sender_id: UserId
  type: string
  content: string
  file_id?: string | null
  reply_to?: string | null
  created_at: string
  client_msg_id: string
  file?: FileInfo | null
  /** The conversation's change counter at this message's last change (absent: never). */
  rev?: number
  edited_at?: string | null
  recalled?: boolean
  recalled_by?: UserId | null
  pinned_at?: string | null
  pinned_by?: UserId | null
  reactions?: Reaction[]
  forwarded_from?: string | null
  /** Deleted by me for myself: a stub that keeps its seq. */
  hidden?: boolean
}

export interface SearchHit {
  message: Message
  /** Plain text around the first match. */
  snippet: string
  /** `[start, length]` of each match in `snippet`, in characters. */
  highlights: [number, number][]
}

export interface Reaction {
  emoji: string
  count: number
  /** Whether I am among them (REST only; live frames say whose change it was). */
  me: boolean
  user_ids: UserId[]
}

export interface MessageChange {
  kind: 'edited' | 'recalled' | 'reaction_added' | 'reaction_removed' | 'pinned' | 'unpinned' | 'hidden' | string
  user_id: UserId
  emoji?: string | null
}

export interface Member {
  user_id: UserId
  role: 'owner' | 'admin' | 'member' | string
  last_read_seq: number
  joined_at: string
  muted_until?: string | null
}

export interface Conversation {
  id: ConversationId
  type: 'direct' | 'group' | string
  name?: string | null
  announcement?: string | null
  avatar_file_id?: string | null
  members?: Member[] | null
  last_message?: Message | null
  unread_count: number
  last_seq: number
  last_read_seq: number
  created_at: string
  last_activity_at: string
}

export interface Notification {
  id: string
  kind: string
  payload: Record<string, unknown>
  read: boolean
  created_at: string
}

export interface Broadcast {
  id: string
  sender_id?: UserId | null
  title: string
  content: string
  origin: string
  created_at: string
}

export interface EventItem {
  id: string
  type: string
  severity: string
  payload: Record<string, unknown>
  reporter_id?: UserId | null
  origin: string
  occurred_at: string
}

export interface Platform {
  id: number
  code: string
  name: string
  relation: string
  level: number
  api_url?: string | null
  enabled: boolean
  status: string
  last_heartbeat_at?: string | null
  forwarded_count: number
  dropped_count: number
  last_error?: string | null
}

/** A user as an admin sees it (`GET /admin/users`). */
export interface AdminUser {
  id: UserId
  username: string
  display_name: string
  role: string
  created_at: string
  last_seen_at?: string | null
  disabled_at?: string | null
  disabled_reason?: string | null
}

/** One row of the audit log (`GET /admin/audit`). */
export interface AuditEntry {
  id: number
  at: string
  actor_id?: UserId | null
  action: string
  target_type: string
  target_id: string
  detail: unknown
  hash: string
}

/** A send the server has not acknowledged yet (kept across reloads). */
export interface PendingSend {
  client_msg_id: string
  conversation_id: ConversationId
  type: string
  content: string
  file_id?: string | null
  reply_to?: string | null
  created_at: string
  file?: FileInfo | null
  state: 'queued' | 'sending' | 'failed'
  error?: string
}

/** Server-to-client WebSocket frames. */
export type ServerFrame =
  | { type: 'pong' }
  | { type: 'ack'; client_msg_id: string; id: string; seq: number; conversation_id: ConversationId }
  | { type: 'message.new'; message: Message }
  | { type: 'typing'; conversation_id: ConversationId; user_id: UserId }
  | { type: 'presence'; user_id: UserId; status: 'online' | 'offline' | string }
  | { type: 'read'; conversation_id: ConversationId; user_id: UserId; seq: number }
  | { type: 'notification'; notification: Notification }
  | { type: 'conversation.updated'; conversation: Record<string, unknown> & { id: ConversationId } }
  | { type: 'broadcast'; broadcast: Broadcast }
  | { type: 'message.updated'; message: Message; change?: MessageChange | null }
  | { type: 'pins.updated'; conversation_id: ConversationId; message_id: string; pinned: boolean }
  | { type: 'sync.done'; conversation_id: ConversationId; last_seq: number; has_more: boolean; last_rev?: number | null }
  | { type: 'error'; code: string; message: string; client_msg_id?: string }

/** `GET /admin/stats`: the platform at a glance (computed at most every 30 s). */
export interface AdminStats {
  users: { total: number; disabled: number; active_today: number; active_7_days: number }
  conversations: { direct: number; group: number }
  messages_per_day: { day: string; messages: number }[]
  online_now?: number | null
  queues?: { name: string; messages: number; consumers: number }[] | null
  computed_at: string
}
