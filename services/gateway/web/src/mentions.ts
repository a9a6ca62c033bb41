// @mentions: what the caret is completing, which members match, and how a finished text
// splits into plain runs and mentions for display. The server resolves `@username` itself.

export interface Candidate {
  username: string
  display_name: string
}

/** The `@word` the caret is right after, if any: `@` at the start or after white space. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret)
  const m = /(^|\s)@([A-Za-z0-9_.-]{0,32})$/.exec(before)
  if (!m) return null
  return { start: caret - m[2].length - 1, query: m[2] }
}

/** Members whose username or display name starts with `query` (any case), usernames first. */
export function suggest(members: Candidate[], query: string, limit = 6): Candidate[] {
  const q = query.toLowerCase()
  const byUser = members.filter((m) => m.username.toLowerCase().startsWith(q))
  const byName = members.filter(
    (m) => !byUser.includes(m) && m.display_name.toLowerCase().startsWith(q),
  )
  return byUser.concat(byName).slice(0, limit)
}

/** The text with `@query` at `start` replaced by `@username `, and the caret after it. */
export function applyMention(text: string, start: number, caret: number, username: string): { text: string; caret: number } {
  const insert = '@' + username + ' '
  return { text: text.slice(0, start) + insert + text.slice(caret), caret: start + insert.length }
}

export interface Segment {
  text: string
  mention: boolean
}

/** `content` as runs, `@username` runs marked (for highlighting). */
export function segments(content: string): Segment[] {
  const out: Segment[] = []
  const re = /(^|\s)(@[A-Za-z0-9_.-]{3,32})/g
  let at = 0
  let m: RegExpExecArray | null
  while ((m = re.exec(content))) {
    const start = m.index + m[1].length
    if (start > at) out.push({ text: content.slice(at, start), mention: false })
    out.push({ text: m[2], mention: true })
    at = start + m[2].length
  }
  if (at < content.length) out.push({ text: content.slice(at), mention: false })
  return out
}
