// Browser sweep of every view, as a duty officer sees it at a desk (1440
// px) and on a phone (390 px): the menu's views, a topic's page, an
// incident's page with its workbench and a policy assessment. Each is shot
// at both widths (SHOTS/views-<view>-1440.png, -390.png) and must not
// scroll sideways on the phone; tables read as labelled cards there. The
// topic page draws ECharts charts with axes, Beijing-time labels, legends
// and tooltips, kept across live re-renders. Under a browser whose locale
// is en-US, date inputs still show and take 2026-12-03, refuse
// 12/03/2026 with the reason, and pick from a calendar of their own.
// Env: URL, PASSWORD, SHOTS, CHROMIUM.
import { T, url, session } from './lib.mjs';

const { browser, fail, signIn } = await session('views', 0);
const shots = process.env.SHOTS || 'screenshots';
const snap = (page, name, width) => page.screenshot({ path: `${shots}/views-${name}-${width}.png`, fullPage: true });
const quiet = (page) => page.waitForFunction(() => {
  const v = document.getElementById('view');
  return v && v.children.length && !/^\s*(加载中…|工作台加载中…)\s*$/m.test(v.innerText);
}, null, { timeout: 15000 }).catch(() => {});

try {
  const duty = await signIn('duty', '#/alerts');
  const get = (path) => duty.evaluate((p) => fetch(p).then((r) => r.json()), path);
  await duty.waitForSelector('#nav a[data-view]', { timeout: T });
  const menu = await duty.$$eval('#nav a[data-view]', (as) => as.map((a) => a.dataset.view));
  // The hottest topic on the board (the API's may have merged since).
  await duty.goto(url + '/#/topics');
  const topic = { id: await duty.waitForSelector('#topics td.topic a.headline', { timeout: T }).then((a) => a.getAttribute('href')).then((h) => decodeURIComponent(h.split('#/topic/')[1])) };
  let incidents = (await get('/api/v1/incidents')) || [];
  if (!incidents.length) {
    await duty.evaluate(() => fetch('/api/v1/incidents', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': sessionStorage.getItem('yuqing-csrf') || '' },
      body: JSON.stringify({ title: '界面巡检演练事件', drill: true }) }));
    incidents = (await get('/api/v1/incidents')) || [];
  }
  // One with alerts and a workbench in use, if there is one.
  const incident = incidents.find((i) => i.status === 'open' && (i.alerts || []).length) || incidents.find((i) => i.status === 'open') || incidents[0];
  const policy = ((await get('/api/v1/policies')) || [])[0];
  const views = [...menu.map((v) => [v, '#/' + v]), ['topic', '#/topic/' + encodeURIComponent(topic.id)], ['incident', '#/incident/' + encodeURIComponent(incident.id)]];
  if (policy) views.push(['policy', '#/policy/' + encodeURIComponent(policy.id)]);
  const ready = { topic: '#topic-charts canvas', overview: '#ov-volume canvas', incident: '#drafts', policy: '#policy-scheme' };

  const wide = {};
  for (const width of [1440, 390]) {
    await duty.setViewportSize({ width, height: width > 600 ? 900 : 844 });
    for (const [name, hash] of views) {
      await duty.goto(url + '/' + hash);
      await quiet(duty);
      if (ready[name]) await duty.waitForSelector(ready[name], { timeout: T }).catch(async () => fail(`${name} at ${width}: no ${ready[name]}`));
      await duty.waitForTimeout(ready[name] && ready[name].includes('canvas') ? 1100 : 250); // charts animate for a second
      await snap(duty, name, width);
      const sw = await duty.evaluate(() => document.documentElement.scrollWidth);
      if (width === 390) wide[name] = sw;
    }
  }
  const sideways = Object.entries(wide).filter(([, sw]) => sw > 390);
  if (sideways.length) await fail('views scroll sideways on a 390 px phone: ' + sideways.map(([v, sw]) => `${v} ${sw}px`).join(', '));

  // At 390 px a table is a stack of cards, each cell labelled by its column.
  await duty.goto(url + '/#/topics');
  await duty.waitForSelector('#topics td.topic', { timeout: T });
  const card = await duty.$eval('#topics tr:not(.head)', (tr) => ({ display: getComputedStyle(tr).display, labels: [...tr.cells].map((td) => td.dataset.label || ''),
    before: getComputedStyle(tr.cells[2], '::before').content, head: getComputedStyle(tr.parentElement.rows[0]).display }));
  if (card.display !== 'block' || card.head !== 'none' || !card.labels.includes('趋势') || !card.before.includes('趋势')) await fail('topics at 390 px are not labelled cards: ' + JSON.stringify(card));
  // The board's cards put the countdown first.
  await duty.goto(url + '/#/incidents');
  await duty.waitForSelector('#incidents .card .countdown', { timeout: T });
  const order = await duty.$eval('#incidents .card', (c) => ({ clock: c.querySelector('.clock').getBoundingClientRect().top, title: c.querySelector('a b').getBoundingClientRect().top }));
  if (!(order.clock < order.title)) await fail('an incident card on a phone does not show its countdown first: ' + JSON.stringify(order));

  // The topic page's charts: axes in Beijing time, legends, tooltips, Chinese names.
  await duty.setViewportSize({ width: 1440, height: 900 });
  await duty.goto(url + '/#/topic/' + encodeURIComponent(topic.id));
  await duty.waitForSelector('#tc-volume canvas', { timeout: T });
  await duty.waitForFunction(() => ['tc-volume', 'tc-sentiment', 'tc-platforms'].every((id) => {
    const c = echarts.getInstanceByDom(document.getElementById(id));
    return c && (c.getOption().series || []).length;
  }), null, { timeout: T }).catch(async () => fail('the topic charts never got their data: ' + await duty.textContent('#topic-charts')));
  const charts = await duty.evaluate(() => {
    const o = (id) => echarts.getInstanceByDom(document.getElementById(id)).getOption();
    const v = o('tc-volume'), s = o('tc-sentiment'), p = o('tc-platforms');
    return { canvases: document.querySelectorAll('#topic-charts canvas').length, x: v.xAxis[0].data, xType: v.xAxis[0].type, y: v.yAxis[0].type,
      legend: v.legend[0].data, stacks: v.series.map((x) => x.stack), sLegend: s.legend[0].data, sNames: s.series.map((x) => x.name),
      pie: p.series[0].data.map((d) => d.name), note: document.getElementById('tc-note').textContent };
  });
  if (charts.canvases < 3 || charts.xType !== 'category' || charts.y !== 'value' || !charts.x.length) await fail('topic charts without axes: ' + JSON.stringify(charts));
  if (!charts.x.every((l) => /^\d{1,2}\/\d{1,2} \d{2}时$/.test(l))) await fail('hour labels are not Beijing-time 月/日 时: ' + charts.x.slice(0, 4).join(', '));
  if (!charts.legend.length || charts.stacks.some((x) => x !== 'volume') || charts.legend.some((n) => /^[a-z]+$/.test(n))) await fail('volume legend/stack: ' + JSON.stringify(charts));
  if (!['负面', '中性', '正面'].every((n) => charts.sLegend.includes(n) && charts.sNames.includes(n))) await fail('sentiment legend: ' + JSON.stringify(charts.sLegend));
  if (!charts.pie.length || charts.pie.some((n) => /^[a-z]+$/.test(n))) await fail('platform share names: ' + JSON.stringify(charts.pie));
  // A tooltip on the busiest hour counts it.
  const tip = await duty.evaluate(() => {
    const c = echarts.getInstanceByDom(document.getElementById('tc-volume'));
    const sums = c.getOption().xAxis[0].data.map((_, i) => c.getOption().series.reduce((n, s) => n + (+s.data[i] || 0), 0));
    const i = sums.indexOf(Math.max(...sums));
    c.dispatchAction({ type: 'showTip', seriesIndex: 0, dataIndex: i });
    return new Promise((ok) => setTimeout(() => ok({ text: document.getElementById('tc-volume').innerText, max: sums[i] }), 400));
  });
  if (!tip.text.includes('合计 ' + tip.max + ' 条')) await fail(`volume tooltip: ${tip.text} (busiest hour ${tip.max})`);
  await snap(duty, 'topic-tooltip', 1440);
  // A live re-render keeps the charts' canvases (no flicker, no re-init).
  const kept = await duty.evaluate(() => new Promise((ok) => {
    const before = document.querySelector('#tc-volume canvas'), view = document.getElementById('view').firstElementChild;
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    requestAnimationFrame(() => ok({ same: document.querySelector('#tc-volume canvas') === before, connected: before.isConnected, rerendered: document.getElementById('view').firstElementChild !== view }));
  }));
  if (!kept.same || !kept.connected || !kept.rerendered) await fail('a re-render replaced the topic charts: ' + JSON.stringify(kept));

  // Dates under an English browser: 2026-style, typed or picked.
  const en = await signIn('duty', '#/reports', { locale: 'en-US' });
  await en.waitForSelector('#reports input[name=from]', { timeout: T });
  const lang = await en.evaluate(() => navigator.language);
  const from = await en.$eval('#reports input[name=from]', (el) => ({ type: el.type, value: el.value, shown: el.value && getComputedStyle(el).color }));
  if (lang !== 'en-US' || from.type !== 'text' || !/^20\d\d-\d\d-\d\d$/.test(from.value)) await fail(`a date input under ${lang}: ${JSON.stringify(from)}`);
  await en.fill('#reports input[name=to]', '2026/12/3');
  await en.press('#reports input[name=to]', 'Tab');
  const to = await en.$eval('#reports input[name=to]', (el) => el.value);
  if (to !== '2026-12-03') await fail('2026/12/3 reads as ' + to);
  await en.fill('#reports input[name=from]', '12/03/2026');
  await en.press('#reports input[name=from]', 'Tab');
  const said = await en.$eval('#reports input[name=from] + .dt-err', (el) => el.textContent).catch(() => '');
  if (!said.includes('2026-12-03')) await fail('12/03/2026 was not refused with the format: ' + said);
  await en.click('#reports form button[type=submit]');
  if (!await en.$eval('#reports input[name=from]', (el) => el.matches(':invalid'))) await fail('a form with 12/03/2026 in it can be sent');
  // The calendar: a click opens it on the month shown, a day picks it.
  await en.fill('#reports input[name=from]', '2026-11-30');
  await en.click('#reports input[name=from]');
  await en.waitForSelector('#dt-pop:not([hidden]) [data-day="2026-11-01"]', { timeout: T });
  const head = await en.$eval('#dt-pop', (el) => el.innerText);
  if (!head.includes('2026 年 11 月') || !head.includes('一')) await fail('calendar: ' + head);
  await snap(en, 'reports-en-US-calendar', 1440);
  await en.click('#dt-pop [data-day="2026-11-24"]');
  const picked = await en.$eval('#reports input[name=from]', (el) => el.value);
  if (picked !== '2026-11-24' || await en.isVisible('#dt-pop')) await fail('picked ' + picked);
  // A date-time is typed in Beijing time and sent as its instant.
  const instant = await en.evaluate(() => [bjInstant('2026-12-03 18:30'), parseDT('20261203 1830', true).value, parseDT('2026-12-03 1830', true).value, parseDT('2026年12月3日 8时05分', true).value,
    parseDT('2026-12-03', true).error || '', parseDT('2026-02-30', false).error || '', parseDT('2026-12-03 24:00', true).error || '']);
  if (instant[0] !== '2026-12-03T10:30:00.000Z' || instant[1] !== '2026-12-03 18:30' || instant[2] !== '2026-12-03 18:30' || instant[3] !== '2026-12-03 08:05' ||
    !instant[4].includes('18:30') || !instant[5].includes('没有这一天') || !instant[6].includes('没有这个时刻')) await fail('date-time parsing: ' + JSON.stringify(instant));
  await en.goto(url + '/#/incident/' + encodeURIComponent(incident.id));
  const conf = await en.waitForSelector('#actions input[name=conf_at]', { timeout: T });
  if (await conf.getAttribute('type') !== 'text' || await conf.getAttribute('data-dt') !== 'datetime') await fail('the conference time is not a Beijing date-time input');
  await snap(en, 'incident-en-US', 1440);

  console.log(`ok: views — ${views.length} views at 1440 and 390 px (${views.map(([v]) => v).join(', ')}), none wider than a phone; topic charts with ${charts.x.length} Beijing hours, ` +
    `${charts.legend.length} platforms, sentiment and share; dates 2026-style under ${lang}`);
  await browser.close();
} catch (e) {
  await fail(e.message);
}
