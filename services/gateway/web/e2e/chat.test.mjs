// Two people in two browser contexts against the real services (scripts/e2e.sh starts
// them and sets INSTANT_WEB_URL): a direct chat with typing, live delivery, read state,
// reload, an image, and a network cut; then a group with a mention and a kick.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { launch, loginAs, person, png, texts, unique, waitFor } from './helpers.mjs'

const artifacts = join(dirname(fileURLToPath(import.meta.url)), 'artifacts')
mkdirSync(artifacts, { recursive: true })

let browser, alice, bob
before(async () => {
  browser = await launch()
  alice = await person(browser, unique('alice'))
  bob = await person(browser, unique('bob'))
})
after(async () => {
  await browser?.close()
})

async function openChatWith(me, other) {
  await me.page.getByTestId('user-search').fill(other.username)
  await me.page.getByTestId('user-result').first().click()
  await me.page.getByTestId('chat-title').filter({ hasText: other.username.toUpperCase() }).waitFor()
}

/** The unread-notification badge (0 when there is none). */
async function badge(page) {
  const l = page.getByTestId('notif-count')
  return (await l.count()) ? Number(await l.innerText()) : 0
}

async function say(p, text) {
  await p.page.getByTestId('composer').fill(text)
  await p.page.getByTestId('composer').press('Enter')
}

test('direct chat: live messages, typing, seen, reload, image, offline catch-up', async () => {
  const a = alice.page
  const b = bob.page
  await openChatWith(alice, bob)
  await say(alice, 'hello bob')
  // Bob's list gets the new conversation live, with an unread badge and the preview.
  const conv = b.locator('[data-role=conv-item]').filter({ hasText: alice.username.toUpperCase() })
  await conv.getByTestId('unread').filter({ hasText: '1' }).waitFor()
  assert.match(await conv.innerText(), /hello bob/)
  await conv.click()
  await b.getByTestId('message-text').filter({ hasText: 'hello bob' }).waitFor()

  // Typing: Alice types, Bob sees it; nothing is sent until Enter. (The gateway passes
  // one typing event per conversation every 2 s; the first went out with "hello bob".)
  await new Promise((r) => setTimeout(r, 2100))
  await a.getByTestId('composer').pressSequentially('are you ', { delay: 30 })
  await b.getByTestId('typing').filter({ hasText: /typing/ }).waitFor()
  await a.getByTestId('composer').pressSequentially('there?')
  await a.getByTestId('composer').press('Shift+Enter')
  await a.getByTestId('composer').pressSequentially('second line')
  await a.getByTestId('composer').press('Enter')
  await b.getByTestId('message-text').filter({ hasText: 'second line' }).waitFor()
  assert.deepEqual(await texts(b), ['hello bob', 'are you there?\nsecond line'])
  // Bob has it open and in view, so it is read: Alice sees "Seen".
  await a.getByTestId('seen').waitFor()

  // Bob answers; the online dot on Alice's side shows Bob online.
  await say(bob, 'hi alice')
  await a.getByTestId('message-text').filter({ hasText: 'hi alice' }).waitFor()
  await waitFor(async () => (await a.getByTestId('peer-status').innerText()) === 'online', 'bob online')

  // A reload keeps the session and the history.
  await b.reload()
  await b.getByTestId('message-text').filter({ hasText: 'hi alice' }).waitFor()
  assert.deepEqual(await texts(b), ['hello bob', 'are you there?\nsecond line', 'hi alice'])

  // An image: uploaded with progress, previewed on both sides from the real bytes.
  await a.getByTestId('file-input').setInputFiles({ name: 'gradient.png', mimeType: 'image/png', buffer: png(48, 32) })
  const img = b.getByTestId('image-preview')
  await img.waitFor()
  await waitFor(() => img.evaluate((el) => el.complete && el.naturalWidth === 48 && el.naturalHeight === 32), 'image decoded')
  await a.getByTestId('image-preview').waitFor()

  // Bob's network goes away; Alice sends three; Bob writes one while offline (queued).
  await bob.context.setOffline(true)
  await b.getByTestId('net-status').filter({ hasText: /offline/i }).waitFor()
  for (const n of [1, 2, 3]) await say(alice, `missed ${n}`)
  await a.getByTestId('message-text').filter({ hasText: 'missed 3' }).waitFor()
  await say(bob, 'written offline')
  await b.getByTestId('pending').waitFor()
  await new Promise((r) => setTimeout(r, 800))
  assert.equal((await texts(b)).filter((t) => t.startsWith('missed')).length, 0, 'nothing arrives while offline')

  await bob.context.setOffline(false)
  await b.getByTestId('message-text').filter({ hasText: 'missed 3' }).waitFor()
  await waitFor(async () => (await b.getByTestId('pending').count()) === 0, "bob's queued send confirmed")
  await a.getByTestId('message-text').filter({ hasText: 'written offline' }).waitFor()
  await new Promise((r) => setTimeout(r, 500))
  const bobSees = await texts(b)
  assert.deepEqual(bobSees.filter((t) => t.startsWith('missed')), ['missed 1', 'missed 2', 'missed 3'])
  assert.equal(bobSees.filter((t) => t === 'written offline').length, 1)
  assert.equal((await texts(a)).filter((t) => t === 'written offline').length, 1, 'the resend stays single')
  // Seq order on screen matches history.
  const seqs = await b.getByTestId('message').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)))
  assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y))
  assert.equal(new Set(seqs).size, seqs.length)

  await b.screenshot({ path: join(artifacts, 'chat.png') })
})

test('message lifecycle: edit, react, recall, delete for me, live on both sides', async () => {
  const a = alice.page
  const b = bob.page
  await say(alice, 'see you at noom')
  const onBob = b.getByTestId('message').filter({ hasText: 'see you at noom' })
  await onBob.waitFor()

  // Alice fixes her typo; Bob sees the new text marked as edited.
  const mine = a.getByTestId('message').filter({ hasText: 'see you at noom' })
  await mine.hover()
  await mine.getByTestId('edit').click()
  await a.getByTestId('edit-input').fill('see you at noon')
  await a.getByTestId('edit-input').press('Enter')
  const edited = b.getByTestId('message').filter({ hasText: 'see you at noon' })
  await edited.getByTestId('edited').waitFor()

  // Bob reacts; Alice sees the count, Bob sees his own reaction pressed.
  await edited.hover()
  await edited.getByTestId('react').click()
  await edited.getByTestId('emoji-picker').getByText('👍').click()
  const aliceChip = a.getByTestId('message').filter({ hasText: 'see you at noon' }).getByTestId('reaction')
  await aliceChip.filter({ hasText: '👍 1' }).waitFor()
  assert.equal(await aliceChip.getAttribute('aria-pressed'), 'false')
  await waitFor(async () => (await edited.getByTestId('reaction').getAttribute('aria-pressed')) === 'true', "bob's own reaction")

  // Alice recalls it: a tombstone on both sides, the text gone.
  const again = a.getByTestId('message').filter({ hasText: 'see you at noon' })
  await again.hover()
  await again.getByTestId('recall').click()
  await b.getByTestId('recalled').filter({ hasText: alice.username.toUpperCase() }).waitFor()
  await waitFor(async () => !(await texts(b)).includes('see you at noon'), 'recalled text gone for bob')
  assert.ok(!(await texts(a)).includes('see you at noon'))

  // Bob deletes one message for himself: gone for him, still there for Alice, and after
  // a reload too.
  const hello = b.getByTestId('message').filter({ hasText: 'hello bob' })
  await hello.hover()
  await hello.getByTestId('delete-for-me').click()
  await waitFor(async () => !(await texts(b)).includes('hello bob'), 'hidden for bob')
  assert.ok((await texts(a)).includes('hello bob'))
  await b.reload()
  await b.getByTestId('message-text').filter({ hasText: 'hi alice' }).waitFor()
  assert.ok(!(await texts(b)).includes('hello bob'), 'still hidden after a reload')
  await b.screenshot({ path: join(artifacts, 'lifecycle.png') })
})

test('search: a Chinese phrase found from the sidebar opens its conversation', async () => {
  await say(alice, '明天部署新版本')
  await bob.page.getByTestId('message-text').filter({ hasText: '明天部署新版本' }).waitFor()
  await bob.page.getByTestId('message-search').fill('部署')
  const result = bob.page.getByTestId('search-result').filter({ hasText: '明天部署新版本' })
  await result.waitFor()
  assert.equal(await result.locator('mark').first().innerText(), '部署')
  await result.click()
  await bob.page.getByTestId('chat-title').filter({ hasText: alice.username.toUpperCase() }).waitFor()
})

test('group: create, add, mention with autocomplete, kick updates the kicked view at once', async () => {
  const a = alice.page
  const b = bob.page
  await a.getByTestId('new-group').click()
  await a.getByTestId('group-name').fill('Team 团队')
  await a.getByTestId('group-member-search').fill(bob.username)
  await a.getByTestId('user-result').first().click()
  await a.getByTestId('create-group').click()
  await a.getByTestId('chat-title').filter({ hasText: 'Team 团队' }).waitFor()

  // Bob was added: the group shows in his list, with a notification.
  const group = b.locator('[data-role=conv-item]').filter({ hasText: 'Team 团队' })
  await group.waitFor()
  const before = await badge(b)

  // Mention through the autocomplete: "@" + the start of Bob's name, Enter picks.
  await a.getByTestId('composer').pressSequentially(`ping @${bob.username.slice(0, 5)}`)
  await a.getByTestId('mention-list').waitFor()
  await a.getByTestId('composer').press('Enter')
  assert.equal(await a.getByTestId('composer').inputValue(), `ping @${bob.username} `)
  await a.getByTestId('composer').pressSequentially('look')
  await a.getByTestId('composer').press('Enter')
  await waitFor(async () => (await badge(b)) > before, 'mention notification')
  await group.click()
  await b.locator('mark.mention').filter({ hasText: '@' + bob.username }).waitFor()

  // Alice's settings show the owner's controls; Bob (member) sees none of them.
  await b.getByTestId('group-settings').click()
  assert.equal(await b.getByTestId('kick').count(), 0)
  assert.equal(await b.getByTestId('save-group').count(), 0)
  await a.getByTestId('group-settings').click()
  await a.getByTestId('member').filter({ hasText: bob.username.toUpperCase() }).getByTestId('kick').click()

  // Bob's view changes at once: the group is gone and he is told.
  await b.getByTestId('removed-notice').waitFor({ timeout: 5000 })
  assert.equal(await group.count(), 0)
  await a.getByTestId('system-message').filter({ hasText: /removed/ }).waitFor()
})

test('narrow screen (360 px): one pane at a time, back returns to the list', async () => {
  const a = alice.page
  await a.setViewportSize({ width: 360, height: 740 })
  try {
    await a.goto(new URL('/', a.url()).href)
    await a.locator('[data-role=conv-item]').first().click()
    await a.getByTestId('composer').waitFor()
    assert.equal(await a.locator('.sidebar').isVisible(), false)
    const width = await a.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(width <= 360, `no horizontal scroll (content is ${width} px wide)`)
    await a.getByRole('button', { name: 'Back' }).click()
    await a.locator('[data-role=conv-item]').first().waitFor()
    assert.equal(await a.getByTestId('composer').count(), 0)
  } finally {
    await a.setViewportSize({ width: 1200, height: 800 })
  }
})

test('admin (Chinese browser): events, cascade platforms, a broadcast everyone sees as a banner', async (t) => {
  const user = process.env.INSTANT_WEB_ADMIN_USER
  const password = process.env.INSTANT_WEB_ADMIN_PASSWORD
  if (!user || !password) return t.skip('no admin account given (INSTANT_WEB_ADMIN_USER / _PASSWORD)')
  const admin = await loginAs(browser, user, password, { locale: 'zh-CN' })
  const p = admin.page
  // The language comes from the browser: the UI is Chinese.
  assert.equal(await p.getByTestId('logout').innerText(), '退出登录')
  // A critical event reported by Alice reaches the admin's list (and notifies admins).
  const type = `door.opened.${Date.now()}`
  const status = await alice.page.evaluate(async (type) => {
    const s = JSON.parse(localStorage.getItem('instant.session'))
    const r = await fetch('/api/v1/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.access_token}` },
      body: JSON.stringify({ type, severity: 'critical', payload: { door: 3 } }),
    })
    return r.status
  }, type)
  assert.equal(status, 202)
  await p.getByTestId('open-admin').click()
  const row = p.getByTestId('events-table').locator('tr').filter({ hasText: type })
  await waitFor(async () => {
    if (await row.count()) return true
    await p.getByTestId('severity').selectOption((await p.getByTestId('severity').inputValue()) ? '' : 'critical')
    return false
  }, 'the reported event in the admin list')
  await p.getByTestId('tab-platforms').click()
  await p.getByText('本平台').waitFor()
  // A broadcast: Alice and Bob see the banner live.
  await p.getByTestId('tab-broadcast').click()
  await p.getByTestId('broadcast-title').fill('Maintenance 维护')
  await p.getByTestId('broadcast-content').fill('Tonight at 22:00')
  await p.getByTestId('broadcast-send').click()
  for (const who of [alice.page, bob.page]) {
    await who.getByTestId('broadcast-banner').filter({ hasText: 'Maintenance 维护' }).waitFor()
  }
  // A leaver is disabled from the Users tab: their open page is signed out within seconds
  // (socket closed 4003, refresh refused), and the audit log shows who did it.
  const leaver = await person(browser, unique('leaver'))
  await p.getByTestId('tab-users').click()
  await p.getByTestId('user-filter').fill(leaver.username)
  const leaverRow = p.locator(`[data-user="${leaver.username}"]`)
  await leaverRow.waitFor()
  await p.getByTestId('disable-reason').fill('left the company')
  const disabledAt = Date.now()
  await leaverRow.getByTestId('user-disable').click()
  await leaverRow.getByText('left the company').waitFor()
  await leaver.page.locator('input[name=password]').waitFor({ timeout: 10_000 })
  const signedOutMs = Date.now() - disabledAt
  assert.ok(signedOutMs < 10_000, `signed out after ${signedOutMs} ms`)
  await p.getByTestId('tab-audit').click()
  await p.getByTestId('audit-table').locator('tr').filter({ hasText: 'user.disabled' }).first().waitFor()
  // A one-time password reset for the leaver, shown once to the admin.
  await p.getByTestId('tab-users').click()
  await leaverRow.getByTestId('user-reset').click()
  assert.match(await p.getByTestId('reset-note').innerText(), new RegExp(`${leaver.username}.*[A-Za-z0-9_-]{40,}`))
  // Statistics: the users counted, 30 days of bars, the queues with their consumers.
  await p.getByTestId('tab-stats').click()
  await p.getByTestId('stat-users').waitFor()
  assert.ok(Number(await p.getByTestId('stat-users').innerText()) >= 4)
  assert.equal(await p.getByTestId('stat-days').locator('span').count(), 30)
  await p.getByTestId('stat-queues').locator('tr').filter({ hasText: 'persistence_queue' }).waitFor()
  await leaver.context.close()
  await admin.context.close()
})

test('blocking: the blocked side cannot write into the direct chat until unblocked', async () => {
  await openChatWith(alice, bob)
  await alice.page.getByTestId('block-toggle').click()
  await alice.page.getByTestId('block-toggle').filter({ hasText: /Unblock|取消屏蔽/ }).waitFor()
  // Bob still has the chat in his list (opening a new one with Alice would be refused).
  await bob.page.locator('[data-role=conv-item]').filter({ hasText: alice.username.toUpperCase() }).click()
  await bob.page.getByTestId('chat-title').filter({ hasText: alice.username.toUpperCase() }).waitFor()
  await say(bob, 'can you hear me')
  await bob.page.getByTestId('pending').filter({ hasText: /blocked/ }).waitFor()
  await alice.page.getByTestId('block-toggle').click()
  await alice.page.getByTestId('block-toggle').filter({ hasText: /^(Block|屏蔽)$/ }).waitFor()
  await say(bob, 'and now?')
  await alice.page.getByTestId('message-text').filter({ hasText: 'and now?' }).waitFor()
})
