// What the browser tests share: Chromium launched the same way, numbered
// full-page screenshots, a failure that shoots the current page first, and
// signing a person in (each in their own context, with refused requests,
// dialogs and page errors printed). Env: URL, PASSWORD, SHOTS, CHROMIUM.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

// Waits are long: CI runs these beside the race-enabled suite on two cores.
export const T = 45000;
export const url = process.env.URL;

// session starts Chromium; screenshots are named SHOTS/NN-prefix-name.png
// from step first+1 on.
export async function session(prefix, first) {
  const shots = process.env.SHOTS || 'screenshots';
  mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  let step = first, current = null;
  const s = {
    browser,
    shot: async (page, name) => page.screenshot({ path: `${shots}/${String(++step).padStart(2, '0')}-${prefix}-${name}.png`, fullPage: true }),
    fail: async (msg) => { if (current) await s.shot(current, 'failure'); console.error('FAIL: ' + msg); await browser.close(); process.exit(1); },
    // focus names the page a failure shoots.
    focus: (page) => { current = page; },
    // signIn opens a context for username, signs in and goes to hash.
    signIn: async (username, hash, options) => {
      const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', ...(options || {}) });
      const page = await ctx.newPage();
      page.on('pageerror', (e) => console.error(username + ' page error:', e.message));
      page.on('dialog', (d) => { console.error(username + ' dialog: ' + d.message()); d.dismiss(); });
      page.on('response', async (r) => { if (r.request().method() !== 'GET' && r.status() >= 400) console.error(username, 'HTTP', r.status(), r.request().method(), r.url(), await r.text().catch(() => '')); });
      await page.goto(url + '/login');
      await page.fill('#username', username);
      await page.fill('#password', process.env.PASSWORD);
      await page.click('#login-submit');
      await page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: T });
      if (hash) await page.goto(url + '/' + hash);
      current = page;
      return page;
    },
  };
  return s;
}
