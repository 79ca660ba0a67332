// Browser test of 政策研判: the duty officer (who is also a spokesperson)
// pastes a draft raising parking fees, sees its risk level with the
// evidence, the subjects and the generated monitoring scheme, downloads
// the Markdown, marks the policy published and finds its scheme among the
// monitoring schemes (监测方案), active for the release window. Shot at
// 1440 px and at a phone's 390 px, where the pages must not scroll
// sideways. With INGEST_TOKEN, posts about the new fees are ingested: their
// alert links back to the assessment, whose 发布后 counts them.
// Env: URL, PASSWORD, SHOTS, CHROMIUM, INGEST_TOKEN.
import { T, url, session } from './lib.mjs';

const { browser, shot, fail, signIn: enter } = await session('policy', 60);
const signIn = (username) => enter(username, '', { acceptDownloads: true });
const title = '东湖市主城区机动车停放服务收费标准调整方案（征求意见稿）';
const draft = `为缓解主城区停车供需矛盾，发挥价格杠杆对停车资源的调节作用，根据《东湖市机动车停放服务收费管理办法》和市政府常务会议精神，制定本方案。
一、适用范围。本方案适用于东湖市城东区、城西区范围内的道路临时停车泊位和政府投资建设的公共停车场。
二、收费标准。一类区域道路停车泊位由每小时4元调整为6元，上调50%；二类区域由每小时2元调整为3元。夜间（20:00至次日8:00）停车收费标准提高至每小时1元。
三、免费时段。首30分钟免费的规定调整为首15分钟免费。
四、居民包月。居民包月停车由每月120元提高至每月240元，仅限在本片区登记的居民车辆办理，每户限办一个。
五、施行时间。本方案自2026年12月1日起施行。`;

const sideways = (page) => page.evaluate(() => document.documentElement.scrollWidth);

try {
  const duty = await signIn('duty');
  await duty.goto(url + '/#/policies');
  await duty.waitForSelector('#assess-form', { timeout: T });
  if (!await duty.$eval('#nav a[data-view="policies"]', (a) => a.classList.contains('active'))) await fail('the nav does not mark 政策研判');
  await duty.fill('#assess-form input[name=title]', title);
  await duty.fill('#assess-form input[name=unit]', '东湖市发展和改革委员会');
  await duty.fill('#assess-form textarea[name=text]', draft);
  await shot(duty, 'draft');
  // The segmenter may still be loading on a busy machine: the page says so, and we try again.
  for (let i = 0; ; i++) {
    await duty.click('#assess-form button[type=submit]');
    const got = await Promise.race([
      duty.waitForSelector('#policy [data-level]', { timeout: 120000 }).then(() => 'ok'),
      duty.waitForFunction(() => (document.querySelector('#assess-msg.error') || {}).textContent, null, { timeout: 120000 }).then(async () => 'error: ' + await duty.$eval('#assess-msg', (el) => el.textContent)),
    ]);
    if (got === 'ok') break;
    if (!got.includes('分词器') || i > 20) await fail('assessing: ' + got);
    await duty.waitForTimeout(3000);
  }
  const id = await duty.$eval('#policy', (el) => el.dataset.id);
  const level = await duty.$eval('#policy [data-level]', (el) => el.dataset.level);
  const evidence = await duty.$$eval('#policy-evidence li', (els) => els.map((e) => e.textContent));
  if (!['高', '中'].includes(level)) await fail(`a 50% parking-fee rise rated ${level}: ${evidence.join(' | ')}`);
  if (evidence.length < 2 || !evidence.some((e) => e.includes('费用上升'))) await fail('evidence: ' + evidence.join(' | '));
  const subjects = await duty.$eval('#policy-subjects', (el) => el.textContent);
  if (!subjects.includes('第') || !subjects.includes('调整为')) await fail('subjects without their trigger sentences: ' + subjects.slice(0, 300));
  if (!(await duty.$$('#policy-points [data-point]')).length) await fail('no interpretation points');
  if (!(await duty.$$('#policy-questions li')).length) await fail('no likely questions');
  const schemeText = await duty.$eval('#policy-scheme', (el) => el.textContent);
  if (!schemeText.includes('政策发布监测') || !schemeText.includes('policy-' + id)) await fail('generated scheme: ' + schemeText.slice(0, 300));
  await shot(duty, 'assessed');

  // The Word and Markdown exports are attachments.
  const get = (href) => duty.evaluate(async (href) => {
    const r = await fetch(href);
    const b = new Uint8Array(await r.arrayBuffer());
    return { status: r.status, disposition: r.headers.get('Content-Disposition') || '', type: r.headers.get('Content-Type') || '', size: b.length,
      head: String.fromCharCode(b[0], b[1]), text: new TextDecoder().decode(b) };
  }, href);
  const md = await get(await duty.$eval('#policy a.dl:text-is("Markdown")', (a) => a.getAttribute('href')));
  if (md.status !== 200 || !md.disposition.startsWith('attachment') || !md.text.startsWith('# 政策舆情风险研判：')) await fail(`export: ${md.status} ${md.disposition} ${md.text.slice(0, 80)}`);
  const word = await get(await duty.$eval('#policy a.dl:text-is("Word")', (a) => a.getAttribute('href')));
  if (word.status !== 200 || !/wordprocessingml/.test(word.type) || word.head !== 'PK' || word.size < 5000) await fail(`Word export: ${word.status} ${word.type} ${word.size} bytes`);

  // 标记已发布: the scheme applies from today for 14 days.
  const release = '#policy-scheme div:has(> form button:has-text("标记已发布"))';
  await duty.waitForSelector(release + ' form button', { timeout: T });
  await duty.click(release + ' form button');
  await duty.waitForSelector('#policy-released', { timeout: T });
  const released = await duty.$eval('#policy-released', (el) => el.textContent);
  if (!released.includes('已启用') || !released.includes('共 14 天')) await fail('released: ' + released);
  await duty.waitForSelector('#policy-after', { timeout: T });
  await shot(duty, 'released');

  // Posts about the new fees arrive: the analyser matches them to the
  // release scheme, their alert links back to the assessment, and the
  // page counts them after release.
  if (process.env.INGEST_TOKEN) {
    const texts = ['东湖停车费又涨了，低收入群体有没有减免或补贴？', '东湖市停车费上调50%，凭什么涨这么多？', '城东区停车收费调整，包月停车费翻倍，居民怎么办？',
      '东湖停车收费新标准什么时候开始执行？', '东湖市停车费上调，收的钱用在哪里？是否公开？'];
    const now = Date.now();
    const posts = Array.from({ length: 40 }, (_, i) => ({ id: 'policy-e2e-' + i, platform: ['weibo', 'forum', 'wechat'][i % 3], author_name: '网友' + i,
      text: texts[i % texts.length] + (i < texts.length ? '' : ' #' + i), published_at: new Date(now - (40 - i) * 3000).toISOString() }));
    const r = await fetch(url + '/api/v1/mentions', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + process.env.INGEST_TOKEN }, body: JSON.stringify(posts) });
    if (!r.ok) await fail('ingest: ' + r.status + ' ' + await r.text());
    await duty.goto(url + '/#/alerts');
    await duty.waitForFunction(([sel, want]) => [...document.querySelectorAll(sel)].some((a) => a.textContent === want),
      [`#alerts a[href="#/policy/${id}"]`, '政策发布监测：' + title], { timeout: 120000 })
      .catch(async () => fail('no alert links back to the assessment: ' + await duty.$$eval('#alerts .policy-link', (ls) => ls.map((l) => l.textContent).join(' | '))));
    await shot(duty, 'alert');
    await duty.click(`#alerts a[href="#/policy/${id}"]`);
    let count = 0;
    for (let i = 0; i < 40 && count === 0; i++) {
      await duty.goto(url + '/#/policies');
      await duty.goto(url + '/#/policy/' + encodeURIComponent(id));
      await duty.waitForSelector('#policy-after', { timeout: T });
      count = await duty.$eval('#policy-after b', (el) => +el.textContent).catch(() => 0);
      if (!count) await duty.waitForTimeout(1500);
    }
    if (!count) await fail('发布后 counts nothing');
    const matched = await duty.$eval('#after-matched', (el) => el.textContent);
    if (!matched.includes('低收入')) await fail('the low-income question was predicted and asked: ' + matched);
    await shot(duty, 'after');
  }

  // The scheme is among the monitoring schemes.
  await duty.goto(url + '/#/schemes');
  await duty.waitForSelector('#schemes', { timeout: T });
  const row = await duty.waitForFunction((sid) => [...document.querySelectorAll('#schemes tr')].map((tr) => tr.textContent).find((t) => t.includes(sid)), 'policy-' + id, { timeout: T }).then((h) => h.jsonValue());
  if (!row.includes('政策发布监测：' + title)) await fail('scheme row: ' + row);
  await shot(duty, 'schemes');

  // The list names it released; both pages fit a phone.
  await duty.goto(url + '/#/policies');
  await duty.waitForSelector(`#policy-list [data-policy="${id}"]`, { timeout: T });
  const listed = await duty.$eval(`#policy-list [data-policy="${id}"]`, (el) => el.textContent);
  if (!listed.includes('已发布')) await fail('list row: ' + listed);
  await duty.setViewportSize({ width: 390, height: 844 });
  await duty.waitForTimeout(300);
  let sw = await sideways(duty);
  await shot(duty, 'list-phone');
  if (sw > 390) await fail('the policy list scrolls sideways on a phone: scrollWidth ' + sw);
  await duty.goto(url + '/#/policy/' + encodeURIComponent(id));
  await duty.waitForSelector('#policy-after', { timeout: T });
  await duty.waitForTimeout(300);
  sw = await sideways(duty);
  await shot(duty, 'phone');
  if (sw > 390) await fail('the assessment page scrolls sideways on a phone: scrollWidth ' + sw);
  console.log(`ok: policy — draft ${id} assessed ${level} (${evidence.length} reasons), exported, marked released, scheme policy-${id} listed among the monitoring schemes` +
    (process.env.INGEST_TOKEN ? ', its alert links back and 发布后 counts the posts' : ''));
  await browser.close();
} catch (e) {
  await fail(e.message);
}
