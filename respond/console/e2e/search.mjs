// Browser test of 信息检索: 120 posts about 青石桥渗水 and 30 others are
// ingested; the duty officer searches for the keyword, sees only matches,
// pages with 加载更多 to the end and counts exactly the 120, downloads the
// CSV export (BOM, Chinese header, a row per match, a formula guarded)
// and checks the Excel link carries the same filters. A topic page's
// stream pages 50 at a time and opens its topic in 信息检索. Shot at
// 1440 px and at a phone's 390 px, where the page must not scroll sideways.
// Env: URL, PASSWORD, SHOTS, CHROMIUM, INGEST_TOKEN.
import { readFileSync } from 'node:fs';
import { T, url, session } from './lib.mjs';

const { browser, shot, fail, signIn } = await session('search', 80);
const KW = '青石桥渗水';
const N = 120;
const sideways = (page) => page.evaluate(() => document.documentElement.scrollWidth);

try {
  if (!process.env.INGEST_TOKEN) await fail('INGEST_TOKEN is needed to post the mentions searched');
  const now = Date.now();
  const places = ['城东区', '城西区', '高新区', '老城区'];
  const posts = Array.from({ length: N }, (_, i) => ({ id: 'search-e2e-' + i, platform: ['weibo', 'forum', 'wechat', 'news'][i % 4], author: { name: '网友' + i },
    text: (i === 7 ? '=HYPERLINK("http://example.org") ' : '') + `${places[i % 4]}${KW}第${i}号报告：桥面出现裂缝，雨后渗水严重，请有关部门尽快检修。`,
    published_at: new Date(now - (i + 1) * 20e3).toISOString() }));
  const others = Array.from({ length: 30 }, (_, i) => ({ id: 'search-e2e-other-' + i, platform: 'weibo', author: { name: '市民' + i },
    text: `城西公园灯光秀第${i}场，周末人很多，停车位紧张。`, published_at: new Date(now - (i + 1) * 15e3).toISOString() }));
  const r = await fetch(url + '/api/v1/mentions', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + process.env.INGEST_TOKEN },
    body: JSON.stringify([...posts, ...others]) });
  if (!r.ok) await fail('ingest: ' + r.status + ' ' + await r.text());

  const duty = await signIn('duty', '', { acceptDownloads: true });
  // The analyser stores them in the background: wait until all are found.
  let stored = 0;
  for (let i = 0; i < 90 && stored < N; i++) {
    stored = await duty.evaluate(async (kw) => {
      const r = await fetch('/api/v1/mentions?limit=200&q=' + encodeURIComponent(kw));
      return r.ok ? ((await r.json()).items || []).length : -r.status;
    }, KW);
    if (stored < N) await duty.waitForTimeout(1000);
  }
  if (stored !== N) await fail(`the store holds ${stored} of the ${N} posts`);

  await duty.goto(url + '/#/search');
  await duty.waitForSelector('#search-form', { timeout: T });
  if (!await duty.$eval('#nav a[data-view="search"]', (a) => a.classList.contains('active'))) await fail('the nav does not mark 信息检索');
  await duty.fill('#search-form input[name=q]', KW);
  await duty.click('#search-submit');
  await duty.waitForSelector('#search-results .clock', { timeout: T });
  const first = await duty.$$eval('#search-results .clock', (els) => els.map((e) => e.textContent));
  if (first.length !== 50) await fail(`the first page holds ${first.length} rows, not 50`);
  const strays = first.filter((t) => !t.includes(KW));
  if (strays.length) await fail('the first page holds non-matches: ' + strays.slice(0, 3).join(' | '));
  if (!await duty.$('#search-results mark')) await fail('the keyword is not highlighted');
  const count = await duty.$eval('#search-count', (el) => el.textContent);
  if (!count.includes('50') || !count.includes('还有更多')) await fail('count: ' + count);
  await shot(duty, 'first-page');

  // 加载更多 to the end: every match once, the last page says so.
  for (let i = 0; i < 10 && await duty.$('#search-more'); i++) {
    const before = await duty.$$eval('#search-results .clock', (els) => els.length);
    await duty.click('#search-more');
    await duty.waitForFunction((n) => document.querySelectorAll('#search-results .clock').length > n || !document.querySelector('#search-more'), before, { timeout: T });
  }
  const all = await duty.$$eval('#search-results .clock', (els) => els.map((e) => e.textContent));
  const numbers = new Set(all.map((t) => (t.match(new RegExp(KW + '第(\\d+)号')) || [])[1]));
  if (all.length !== N || numbers.size !== N || numbers.has(undefined)) await fail(`paged to ${all.length} rows, ${numbers.size} distinct matches, want ${N}`);
  const done = await duty.$eval('#search-count', (el) => el.textContent);
  if (!done.includes(String(N)) || !done.includes('已全部显示')) await fail('final count: ' + done);

  // The CSV export: a download with the session cookie, every match.
  const [dl] = await Promise.all([duty.waitForEvent('download', { timeout: T }), duty.click('#export-csv')]);
  const name = dl.suggestedFilename();
  const csv = readFileSync(await dl.path());
  if (csv[0] !== 0xEF || csv[1] !== 0xBB || csv[2] !== 0xBF) await fail('the CSV has no UTF-8 BOM');
  const lines = csv.toString('utf8').slice(1).split('\r\n').filter(Boolean);
  if (!name.startsWith('信息检索-') || !name.endsWith(KW + '.csv')) await fail('export file name: ' + name);
  if (lines[0] !== '时间(北京时间),平台,作者,标题,内容,情感,话题,链接') await fail('CSV header: ' + lines[0]);
  if (lines.length !== N + 1 || lines.slice(1).some((l) => !l.includes(KW))) await fail(`the CSV has ${lines.length - 1} rows, want the ${N} matches`);
  const guarded = lines.find((l) => l.includes(KW + '第7号'));
  if (!guarded || !guarded.includes(`"'=HYPERLINK(""http://example.org"") `)) await fail('a formula in the CSV is not guarded: ' + guarded);
  const xlsx = await duty.$eval('#export-xlsx', (a) => a.getAttribute('href'));
  const xq = new URLSearchParams(xlsx.split('?')[1]);
  if (xq.get('format') !== 'xlsx' || xq.get('q') !== KW || !xq.get('from') || !xq.get('to')) await fail('the Excel link does not carry the filters: ' + xlsx);
  const head = await duty.evaluate(async (href) => { const r = await fetch(href); const b = new Uint8Array(await r.arrayBuffer()); return r.status + ' ' + String.fromCharCode(b[0], b[1]); }, xlsx);
  if (head !== '200 PK') await fail('the Excel export: ' + head);
  await shot(duty, 'all-pages');

  // Filters combine: forum only.
  await duty.selectOption('#search-form select[name=platform]', 'forum');
  await duty.click('#search-submit');
  await duty.waitForFunction((n) => (document.querySelector('#search-count')?.textContent || '').includes(`已显示 ${n} 条，已全部显示`), N / 4, { timeout: T })
    .catch(async () => fail('forum only: ' + await duty.$eval('#search-count', (el) => el.textContent)));
  const forum = await duty.$$eval('#search-results .clock > .muted:first-child', (els) => els.map((e) => e.textContent));
  if (forum.length !== N / 4 || forum.some((t) => !t.startsWith('论坛'))) await fail(`forum only: ${forum.length} rows: ${forum.slice(0, 3).join(' | ')}`);

  // A topic page pages its stream and opens its topic here.
  const topic = await duty.evaluate(async (kw) => ((await (await fetch('/api/v1/mentions?limit=1&q=' + encodeURIComponent(kw))).json()).items[0] || {}).topic || '', KW);
  if (topic) {
    await duty.goto(url + '/#/topic/' + encodeURIComponent(topic));
    const onBoard = await duty.waitForSelector('#stream-search', { timeout: 20000 }).then(() => true, () => false);
    if (onBoard) {
      await duty.waitForSelector('#stream .clock', { timeout: T });
      const rows = await duty.$$eval('#stream .clock', (els) => els.length);
      if (rows > 50) await fail(`the topic stream shows ${rows} rows at once`);
      // A topic of exactly 50 posts has no second page: then the stream
      // must say so, and offer no 加载更多.
      const total = await duty.evaluate(async (t) => {
        const r = await fetch('/api/v1/mentions?limit=200&topic=' + encodeURIComponent(t) + '&from=' + new Date(Date.now() - 7 * 864e5).toISOString());
        return r.ok ? ((await r.json()).items || []).length : -1;
      }, topic);
      if (rows === 50 && total > 50) {
        await duty.click('#stream-more');
        await duty.waitForFunction(() => document.querySelectorAll('#stream .clock').length > 50, null, { timeout: T });
      } else if (rows === 50) {
        const foot = await duty.$eval('#stream-count', (el) => el.textContent);
        if (!foot.includes('已全部显示') || await duty.$('#stream-more')) await fail(`a topic of ${total} posts: the stream's foot says "${foot}"`);
      }
      await shot(duty, 'topic-stream');
      await duty.click('#stream-search');
      await duty.waitForFunction((t) => location.hash === '#/search/' + encodeURIComponent(t) && document.querySelector('#search-form select[name=topic]')?.value === t &&
        document.querySelectorAll('#search-results .clock').length > 0, topic, { timeout: T });
      console.log(`topic ${topic}: its stream showed ${rows} rows, paged, and opened in 信息检索`);
    } else console.log(`topic ${topic} is not on the board: its page was not checked`);
  }

  // A phone: the form and the rows fit 390 px.
  await duty.goto(url + '/#/search');
  await duty.fill('#search-form input[name=q]', KW);
  await duty.selectOption('#search-form select[name=platform]', '');
  await duty.selectOption('#search-form select[name=topic]', '');
  await duty.click('#search-submit');
  await duty.waitForFunction(() => document.querySelectorAll('#search-results .clock').length === 50, null, { timeout: T });
  await duty.setViewportSize({ width: 390, height: 844 });
  await duty.waitForTimeout(300);
  const sw = await sideways(duty);
  await shot(duty, 'phone');
  if (sw > 390) await fail('信息检索 scrolls sideways on a phone: scrollWidth ' + sw);
  console.log(`ok: search — ${N} matches of ${KW} paged 50 at a time to the end, exported as CSV (${name}), Excel link checked, forum filter, phone width ${sw}`);
  await browser.close();
} catch (e) {
  await fail(e.message);
}
