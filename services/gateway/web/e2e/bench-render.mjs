// Benchmark (not a test): the client's bundle size (gzip) and the time until the chat view
// shows its messages in Chromium, beside the same figures for an empty Vite page built and
// served in the same run. Usage: INSTANT_WEB_URL=http://127.0.0.1:8080 npm run bench
import { build, preview } from 'vite'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { join, dirname } from 'node:path'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { BASE, launch, unique } from './helpers.mjs'

const RUNS = 5
const here = dirname(fileURLToPath(import.meta.url))

function gzipOf(dir) {
  let raw = 0
  let gz = 0
  for (const f of readdirSync(join(dir, 'assets'))) {
    const b = readFileSync(join(dir, 'assets', f))
    raw += b.length
    gz += gzipSync(b, { level: 9 }).length
  }
  const html = readFileSync(join(dir, 'index.html'))
  return { raw: raw + html.length, gz: gz + gzipSync(html, { level: 9 }).length }
}

async function api(path, body, token) {
  const r = await fetch(BASE + '/api/v1' + path, {
    method: body ? 'POST' : 'GET',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`)
  return r.status === 204 ? null : r.json()
}

async function median(fn) {
  const xs = []
  for (let i = 0; i < RUNS; i++) xs.push(await fn())
  xs.sort((a, b) => a - b)
  return xs[Math.floor(xs.length / 2)]
}

// The empty Vite page: an index.html and a module that renders one element.
const root = mkdtempSync(join(tmpdir(), 'empty-vite-'))
writeFileSync(join(root, 'index.html'), '<!doctype html><div id="app"></div><script type="module" src="/main.js"></script>')
writeFileSync(join(root, 'main.js'), "document.getElementById('app').innerHTML = '<p id=ready>ready</p>'")
await build({ root, logLevel: 'silent', build: { outDir: join(root, 'dist') } })
const server = await preview({ root, logLevel: 'silent', build: { outDir: join(root, 'dist') }, preview: { port: 0, host: '127.0.0.1' } })
const emptyUrl = server.resolvedUrls.local[0]

// A user with a conversation of 40 messages.
const name = unique('bench')
const peer = unique('peer')
for (const u of [name, peer]) await api('/auth/register', { username: u, password: 'correct horse battery' })
const tokens = await api('/auth/login', { username: name, password: 'correct horse battery' })
const peerId = (await api('/users/search?q=' + peer, null, tokens.access_token)).items[0].id
const conv = await api('/conversations', { type: 'direct', member_ids: [peerId] }, tokens.access_token)
for (let i = 1; i <= 40; i++)
  await api('/messages', { conversation_id: conv.id, client_msg_id: `b${i}`, type: 'text', content: `message ${i}` }, tokens.access_token)

const browser = await launch()
const context = await browser.newContext({ viewport: { width: 1200, height: 800 } })
const page = await context.newPage()
await page.goto(BASE + '/')
await page.evaluate((t) => {
  localStorage.setItem('instant.session', JSON.stringify({ access_token: t.access_token, refresh_token: t.refresh_token, expires_at: Date.now() + t.expires_in * 1000 }))
}, tokens)

async function timeTo(url, selector) {
  await page.goto('about:blank')
  await page.goto(url, { waitUntil: 'commit' })
  await page.waitForSelector(selector)
  return page.evaluate(() => performance.now())
}
// Warm both once (disk cache as a returning user has it), then measure.
await timeTo(emptyUrl, '#ready')
await timeTo(`${BASE}/c/${conv.id}`, '[data-seq="40"]')
const emptyMs = await median(() => timeTo(emptyUrl, '#ready'))
const chatMs = await median(() => timeTo(`${BASE}/c/${conv.id}`, '[data-seq="40"]'))
await browser.close()
await new Promise((r) => server.httpServer.close(r))

const ours = gzipOf(join(here, '..', 'dist'))
const empty = gzipOf(join(root, 'dist'))
const rows = [
  ['bundle (JS + CSS + HTML), gzip', `${(ours.gz / 1024).toFixed(1)} KiB`, `${(empty.gz / 1024).toFixed(1)} KiB`],
  ['bundle, raw', `${(ours.raw / 1024).toFixed(1)} KiB`, `${(empty.raw / 1024).toFixed(1)} KiB`],
  [`first render, median of ${RUNS} (chat view with 40 messages / empty page)`, `${chatMs.toFixed(0)} ms`, `${emptyMs.toFixed(0)} ms`],
]
console.log('| figure | instant web client | empty Vite page (same run) |\n| --- | --- | --- |')
for (const r of rows) console.log(`| ${r.join(' | ')} |`)
mkdirSync(join(here, 'artifacts'), { recursive: true })
writeFileSync(join(here, 'artifacts', 'bench-render.json'), JSON.stringify({ ours, empty, chatMs, emptyMs }, null, 2))
