// Shared by the browser tests: Debian's Chromium through playwright-core (no browser
// download), users registered through the UI, and a real PNG made here.
import { chromium } from 'playwright-core'
import { deflateSync } from 'node:zlib'
import { existsSync } from 'node:fs'

export const BASE = process.env.INSTANT_WEB_URL
if (!BASE) throw new Error('INSTANT_WEB_URL is not set: run the browser tests through scripts/e2e.sh (it starts the services)')

export function chromiumPath() {
  for (const p of [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (p && existsSync(p)) return p
  }
  throw new Error('Chromium not found: apt-get install chromium chromium-driver (or set CHROMIUM)')
}

export async function launch() {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-dev-shm-usage',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** Logs a page's WebSocket life and console errors to stderr: a failed test shows
 * whether its live updates had a socket to come through. */
function watch(page, who) {
  const t0 = Date.now()
  const at = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`
  page.on('websocket', (ws) => {
    console.error(`[${who} ${at()}] websocket opened`)
    ws.on('close', () => console.error(`[${who} ${at()}] websocket closed`))
    ws.on('socketerror', (e) => console.error(`[${who} ${at()}] websocket error: ${e}`))
  })
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.error(`[${who} ${at()}] console ${m.type()}: ${m.text()}`)
  })
}

export function unique(prefix) {
  return `${prefix}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.slice(0, 32)
}

/** A person: their own browser context and page, registered and logged in through the UI. */
export async function person(browser, username, { locale = 'en-US' } = {}) {
  const context = await browser.newContext({ locale, viewport: { width: 1200, height: 800 } })
  const page = await context.newPage()
  page.on('dialog', (d) => d.accept())
  page.on('pageerror', (e) => console.error(`[${username}] page error:`, e.message))
  watch(page, username)
  await page.goto(BASE)
  await page.getByTestId('auth-switch').click()
  await page.locator('input[name=username]').fill(username)
  await page.locator('input[name=password]').fill('correct horse battery')
  await page.locator('input[name=display_name]').fill(username.toUpperCase())
  await page.getByTestId('auth-submit').click()
  await page.getByTestId('me').waitFor()
  return { context, page, username }
}

/** An existing account (e.g. the admin scripts/e2e.sh made), logged in through the UI. */
export async function loginAs(browser, username, password, { locale = 'en-US', viewport = { width: 1200, height: 800 } } = {}) {
  const context = await browser.newContext({ locale, viewport })
  const page = await context.newPage()
  page.on('dialog', (d) => d.accept())
  await page.goto(BASE)
  await page.locator('input[name=username]').fill(username)
  await page.locator('input[name=password]').fill(password)
  await page.getByTestId('auth-submit').click()
  await page.getByTestId('me').waitFor()
  return { context, page, username }
}

/** Texts of the messages shown in the open chat, in display order. */
export async function texts(page) {
  return page.getByTestId('message-text').allInnerTexts()
}

export async function waitFor(fn, what, timeout = 15000) {
  const until = Date.now() + timeout
  let last
  while (Date.now() < until) {
    last = await fn()
    if (last) return last
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`)
}

function crc32(buf) {
  let c
  let crc = 0xffffffff
  for (const b of buf) {
    c = (crc ^ b) & 0xff
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    crc = (crc >>> 8) ^ c
  }
  return (crc ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}

/** A real w×h RGB PNG (a gradient), decodable by the browser. */
export function png(w = 48, h = 32) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3
      raw[o] = (x * 255) / w
      raw[o + 1] = (y * 255) / h
      raw[o + 2] = 200
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}
