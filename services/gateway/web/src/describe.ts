// Human sentences for system messages, notifications and previews, through the i18n table.

import { messages, t, type Key } from './i18n'
import { conversationTitle, state, userName } from './store'
import type { Message, Notification } from './types'

interface Change {
  action?: string
  actor_id?: number
  user_ids?: number[]
  role?: string
}

export function parseChange(content: string): Change {
  try {
    const v = JSON.parse(content) as unknown
    return v && typeof v === 'object' ? (v as Change) : {}
  } catch {
    return {}
  }
}

export function roleName(role: string): string {
  const key = ('role_' + role) as Key
  return t(key)
}

export function describeSystem(m: Message): string {
  const c = parseChange(m.content)
  const actor = c.actor_id != null ? (c.actor_id === state.me?.id ? t('you') : userName(c.actor_id)) : ''
  const users = (c.user_ids ?? []).map((u) => (u === state.me?.id ? t('you') : userName(u))).join(', ')
  const key = ('system_' + (c.action ?? 'group_updated')) as Key
  if (!(key in messages.en)) return t('system_group_updated', { actor })
  return t(key, { actor, users, role: c.role ? roleName(c.role) : '' })
}

export function preview(m: Message | null | undefined): string {
  if (!m) return ''
  if (m.type === 'system') return describeSystem(m)
  if (m.type === 'image') return `[${t('image')}] ${m.content}`.trim()
  if (m.type === 'file') return `[${t('file')}] ${m.file?.filename ?? ''}`.trim()
  return m.content
}

function conversationName(id: unknown, fallback: unknown): string {
  const c = state.conversations.find((x) => x.id === id)
  if (c) return conversationTitle(c)
  return typeof fallback === 'string' && fallback ? fallback : '#' + String(id ?? '')
}

export function describeNotification(n: Notification): string {
  const p = n.payload ?? {}
  const conversation = conversationName(p.conversation_id, p.conversation_name)
  const actorId = (p.sender_id ?? p.actor_id) as number | undefined
  const actor = actorId != null ? userName(actorId) : ''
  switch (n.kind) {
    case 'mention':
      return t('notif_mention', { actor, conversation })
    case 'group.added':
      return t('notif_group_added', { conversation })
    case 'group.removed':
      return t('notif_group_removed', { conversation })
    case 'group.role_changed':
      return t('notif_group_role_changed', { conversation })
    case 'group.muted':
      return t('notif_group_muted', { conversation })
    case 'broadcast':
      return t('notif_broadcast', { title: String(p.title ?? '') })
    default:
      if (n.kind.startsWith('event.'))
        return t('notif_event', { type: String(p.type ?? p.kind ?? ''), severity: n.kind.slice(6) })
      return t('notif_other', { kind: n.kind })
  }
}
