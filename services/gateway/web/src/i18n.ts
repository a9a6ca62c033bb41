// Every visible string, in English and Chinese, in one table. The language comes from the
// browser (navigator.languages) unless the user picked one (kept in localStorage); dates
// and times are formatted for that locale by Intl.

import { ref } from 'vue'

export const messages = {
  en: {
    app_name: 'instant',
    login: 'Log in',
    register: 'Create account',
    logout: 'Log out',
    username: 'Username',
    password: 'Password',
    display_name: 'Display name (optional)',
    have_account: 'Already have an account? Log in',
    no_account: 'No account yet? Create one',
    session_ended: 'Your session has ended. Please log in again.',
    conversations: 'Conversations',
    no_conversations: 'No conversations yet. Find someone to talk to.',
    search_users: 'Find people…',
    new_group: 'New group',
    group_name: 'Group name',
    create: 'Create',
    cancel: 'Cancel',
    add: 'Add',
    members: 'Members',
    you: 'You',
    online: 'online',
    offline: 'offline',
    connecting: 'Connecting…',
    offline_banner: 'You are offline. Messages will be sent when you are back.',
    type_message: 'Write a message… (Enter sends, Shift+Enter new line)',
    send: 'Send',
    attach: 'Attach a file',
    reply: 'Reply',
    replying_to: 'Replying to {name}',
    a_message: 'a message',
    typing_one: '{name} is typing…',
    typing_many: '{count} people are typing…',
    seen: 'Seen',
    seen_by: 'Seen by {count}',
    sending: 'Sending…',
    queued: 'Waiting for the network…',
    failed: 'Not sent: {error}',
    retry: 'Retry',
    discard: 'Discard',
    load_older: 'Loading older messages…',
    start_of_history: 'This is the start of the conversation.',
    pick_conversation: 'Pick a conversation, or find someone to talk to.',
    back: 'Back',
    settings: 'Group settings',
    announcement: 'Announcement',
    save: 'Save',
    role_owner: 'owner',
    role_admin: 'admin',
    role_member: 'member',
    make_admin: 'Make admin',
    make_member: 'Remove admin',
    transfer: 'Make owner',
    kick: 'Remove',
    mute: 'Mute 1 h',
    unmute: 'Unmute',
    muted: 'muted',
    leave: 'Leave group',
    add_members: 'Add members',
    confirm_transfer: 'Hand the group over to {name}? You become an admin.',
    confirm_leave: 'Leave this group?',
    confirm_kick: 'Remove {name} from the group?',
    removed_from: 'You are no longer a member of {name}.',
    notifications: 'Notifications',
    no_notifications: 'Nothing here yet.',
    mark_all_read: 'Mark all read',
    dismiss: 'Dismiss',
    broadcast: 'Announcement',
    admin: 'Administration',
    users: 'Users',
    audit: 'Audit log',
    disable: 'Disable',
    enable: 'Enable',
    sign_out_user: 'Sign out',
    disabled: 'disabled',
    reason: 'Reason',
    filter_users: 'Find a user',
    operator: 'operator',
    events: 'Events',
    platforms: 'Cascade platforms',
    this_platform: 'This platform',
    no_events: 'No events.',
    no_platforms: 'No peer platforms.',
    severity: 'Severity',
    all: 'all',
    send_broadcast: 'Send a broadcast',
    title: 'Title',
    content: 'Content',
    sent: 'Sent.',
    download: 'Download',
    language: 'Language',
    close: 'Close',
    system_members_added: '{actor} added {users}',
    system_member_left: '{users} left',
    system_member_removed: '{actor} removed {users}',
    system_role_changed: '{actor} made {users} {role}',
    system_owner_transferred: '{actor} handed the group to {users}',
    system_member_muted: '{actor} muted {users}',
    system_member_unmuted: '{actor} unmuted {users}',
    system_group_updated: '{actor} updated the group',
    system_created: '{actor} created the group',
    notif_mention: '{actor} mentioned you in {conversation}',
    notif_group_added: 'You were added to {conversation}',
    notif_group_removed: 'You were removed from {conversation}',
    notif_group_role_changed: 'Your role in {conversation} changed',
    notif_group_muted: 'You were muted in {conversation}',
    notif_broadcast: '{title}',
    notif_event: 'Event {type} ({severity})',
    notif_other: '{kind}',
    uploading: 'Uploading {name}',
    upload_failed: 'Upload of {name} failed: {error}',
    image: 'Image',
    file: 'File',
    edit: 'Edit',
    edited: 'edited',
    recall: 'Recall',
    recalled: '{name} recalled a message',
    delete_for_me: 'Delete for me',
    react: 'React',
    pin: 'Pin',
    unpin: 'Unpin',
    pinned: 'pinned',
    confirm_recall: 'Recall this message for everyone?',
    action_failed: 'Could not do that: {error}',
    search_messages: 'Search messages…',
    no_results: 'No messages found.',
  },
  zh: {
    app_name: 'instant',
    login: '登录',
    register: '注册账号',
    logout: '退出登录',
    username: '用户名',
    password: '密码',
    display_name: '昵称（可选）',
    have_account: '已有账号？去登录',
    no_account: '还没有账号？去注册',
    session_ended: '登录已失效，请重新登录。',
    conversations: '会话',
    no_conversations: '还没有会话，搜索联系人开始聊天吧。',
    search_users: '搜索用户…',
    new_group: '新建群聊',
    group_name: '群名称',
    create: '创建',
    cancel: '取消',
    add: '添加',
    members: '成员',
    you: '我',
    online: '在线',
    offline: '离线',
    connecting: '连接中…',
    offline_banner: '网络已断开，恢复后将自动发送消息。',
    type_message: '输入消息…（Enter 发送，Shift+Enter 换行）',
    send: '发送',
    attach: '发送文件',
    reply: '回复',
    replying_to: '回复 {name}',
    a_message: '一条消息',
    typing_one: '{name} 正在输入…',
    typing_many: '{count} 人正在输入…',
    seen: '已读',
    seen_by: '{count} 人已读',
    sending: '发送中…',
    queued: '等待网络…',
    failed: '发送失败：{error}',
    retry: '重试',
    discard: '删除',
    load_older: '正在加载更早的消息…',
    start_of_history: '已经到会话的开头了。',
    pick_conversation: '选择一个会话，或搜索联系人开始聊天。',
    back: '返回',
    settings: '群设置',
    announcement: '群公告',
    save: '保存',
    role_owner: '群主',
    role_admin: '管理员',
    role_member: '成员',
    make_admin: '设为管理员',
    make_member: '取消管理员',
    transfer: '转让群主',
    kick: '移出群聊',
    mute: '禁言 1 小时',
    unmute: '解除禁言',
    muted: '已禁言',
    leave: '退出群聊',
    add_members: '添加成员',
    confirm_transfer: '将群主转让给 {name}？你将成为管理员。',
    confirm_leave: '确定退出该群聊？',
    confirm_kick: '确定将 {name} 移出群聊？',
    removed_from: '你已不在 {name} 中。',
    notifications: '通知',
    no_notifications: '暂无通知。',
    mark_all_read: '全部已读',
    dismiss: '关闭',
    broadcast: '系统公告',
    admin: '系统管理',
    users: '用户',
    audit: '审计日志',
    disable: '停用',
    enable: '启用',
    sign_out_user: '强制下线',
    disabled: '已停用',
    reason: '原因',
    filter_users: '查找用户',
    operator: '运维',
    events: '事件',
    platforms: '级联平台',
    this_platform: '本平台',
    no_events: '暂无事件。',
    no_platforms: '暂无级联平台。',
    severity: '级别',
    all: '全部',
    send_broadcast: '发送系统广播',
    title: '标题',
    content: '内容',
    sent: '已发送。',
    download: '下载',
    language: '语言',
    close: '关闭',
    system_members_added: '{actor} 邀请 {users} 加入了群聊',
    system_member_left: '{users} 退出了群聊',
    system_member_removed: '{actor} 将 {users} 移出了群聊',
    system_role_changed: '{actor} 将 {users} 设为{role}',
    system_owner_transferred: '{actor} 将群主转让给 {users}',
    system_member_muted: '{actor} 禁言了 {users}',
    system_member_unmuted: '{actor} 解除了 {users} 的禁言',
    system_group_updated: '{actor} 修改了群信息',
    system_created: '{actor} 创建了群聊',
    notif_mention: '{actor} 在 {conversation} 中提到了你',
    notif_group_added: '你被加入了 {conversation}',
    notif_group_removed: '你被移出了 {conversation}',
    notif_group_role_changed: '你在 {conversation} 中的角色已变更',
    notif_group_muted: '你在 {conversation} 中被禁言',
    notif_broadcast: '{title}',
    notif_event: '事件 {type}（{severity}）',
    notif_other: '{kind}',
    uploading: '正在上传 {name}',
    upload_failed: '{name} 上传失败：{error}',
    image: '图片',
    file: '文件',
    edit: '编辑',
    edited: '已编辑',
    recall: '撤回',
    recalled: '{name} 撤回了一条消息',
    delete_for_me: '仅为我删除',
    react: '回应',
    pin: '置顶',
    unpin: '取消置顶',
    pinned: '已置顶',
    confirm_recall: '为所有人撤回这条消息？',
    action_failed: '操作失败：{error}',
    search_messages: '搜索消息…',
    no_results: '没有找到消息。',
  },
} as const

export type Locale = keyof typeof messages
export type Key = keyof (typeof messages)['en']

const LOCALE_KEY = 'instant.locale'

/** The first of the browser's languages that we have, else English. */
export function pickLocale(languages: readonly string[]): Locale {
  for (const l of languages) {
    const base = l.toLowerCase().split('-')[0]
    if (base in messages) return base as Locale
  }
  return 'en'
}

function initialLocale(): Locale {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(LOCALE_KEY) : null
  if (saved && saved in messages) return saved as Locale
  return pickLocale(typeof navigator !== 'undefined' ? navigator.languages ?? [navigator.language] : [])
}

export const locale = ref<Locale>(initialLocale())

export function setLocale(l: Locale): void {
  locale.value = l
  localStorage.setItem(LOCALE_KEY, l)
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en'
}

/** The string for `key` in the current language, `{name}` placeholders filled. */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  const table = messages[locale.value] as Record<Key, string>
  const text = table[key] ?? messages.en[key]
  return text.replace(/\{(\w+)\}/g, (_, p: string) => (p in params ? String(params[p]) : `{${p}}`))
}

function tag(): string {
  return locale.value === 'zh' ? 'zh-CN' : 'en'
}

/** A message time: the clock today, else date and clock, in the user's locale. */
export function formatTime(iso: string, now = new Date()): string {
  const d = new Date(iso)
  const sameDay = d.toDateString() === now.toDateString()
  return new Intl.DateTimeFormat(tag(), sameDay ? { hour: '2-digit', minute: '2-digit' } : { dateStyle: 'short', timeStyle: 'short' }).format(d)
}

export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB']
  let v = bytes
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${new Intl.NumberFormat(tag(), { maximumFractionDigits: i ? 1 : 0 }).format(v)} ${units[i]}`
}
