// Browser test of the shift handover (交接班): the outgoing duty officer
// finds the drill's open incident with its clock, the deadlines of the next
// shift counting down and the blind source in the draft, writes the 交班说明
// and signs; taking their own handover is refused with the reason on the
// page; a second duty officer signs 签字接班 and the record shows both
// signatures. Shot at 1440 px and at a phone's 390 px, where the page must
// not scroll sideways. Env: URL, PASSWORD, SHOTS, CHROMIUM, INCIDENT (the
// drill's incident, from console.mjs).
import { T, session } from './lib.mjs';

const { browser, shot, fail, focus, signIn: enter } = await session('handover', 100);
const incident = process.env.INCIDENT;
async function signIn(username) {
  const page = await enter(username, '#/handover');
  await page.waitForSelector('#handover-draft', { timeout: T });
  return page;
}
const text = (page, sel) => page.$eval(sel, (el) => el.textContent).catch(() => '');

try {
  const duty = await signIn('duty');
  const row = `#handover-draft [data-section=incidents] [data-incident="${incident}"]`;
  await duty.waitForSelector(row, { timeout: T });
  if (!(await text(duty, row)).includes('最近时限')) await fail('the drill incident shows no clock in the draft: ' + await text(duty, row));
  // The next shift's deadlines count down (app.js tick), breached first.
  const clocks = '#handover-draft [data-section=clocks] .clock[data-due]';
  await duty.waitForSelector(clocks, { timeout: T });
  await duty.waitForFunction((sel) => /剩余|已超时/.test(document.querySelector(sel + ' .countdown')?.textContent || ''), clocks, { timeout: T });
  const dues = await duty.$$eval(clocks, (els) => els.map((el) => [el.dataset.due, el.dataset.subject]));
  const now = Date.now(), breached = dues.map(([d]) => new Date(d) <= now);
  if (breached.some((b, i) => b && i > 0 && !breached[i - 1])) await fail('a breached clock after one still running: ' + JSON.stringify(dues));
  if (!dues.some(([, s]) => s === incident) && !(await text(duty, '#handover-draft [data-section=clocks]')).includes('城西水厂停水')) {
    await fail('no incident clock due in the next shift: ' + JSON.stringify(dues));
  }
  await duty.waitForSelector('#handover-draft [data-section=sources] [data-source="wechat-bridge"]', { timeout: T });
  for (const s of ['未结事件', '下一班到期时限', '未确认预警', '失联信源']) {
    if (!(await text(duty, '#handover-draft')).includes(s)) await fail('the draft has no section ' + s);
  }
  await shot(duty, 'draft');

  // The outgoing officer writes what needs attention and signs.
  const words = '演练事件：城东化工厂异味，请 18:00 前跟进情况通报；微信渠道凭证失效，请联系技术组。';
  await duty.fill('#handover-note', words);
  await duty.click('#hand-submit');
  await duty.waitForSelector('.ho-said.ok', { timeout: T });
  const pending = '.ho-pending .ho-record.pending';
  await duty.waitForSelector(pending, { timeout: T });
  if (!(await text(duty, pending)).includes(words)) await fail('the pending handover lacks the note: ' + await text(duty, pending));
  if (!(await text(duty, pending)).includes('值班员甲')) await fail('the pending handover does not name who handed it: ' + await text(duty, pending));
  await shot(duty, 'handed');
  await duty.click('.ho-said button');

  // Nobody takes their own handover: the refusal stays until dismissed.
  await duty.click(pending + ' form.take-form button');
  await duty.waitForSelector('.ho-said.error', { timeout: T });
  await duty.waitForTimeout(2000);
  const refusal = await text(duty, '.ho-said.error');
  if (!refusal.includes('不能接自己交的班')) await fail('self-take: ' + refusal);
  await shot(duty, 'self-take-refused');
  await duty.click('.ho-said button');
  await duty.waitForSelector('.ho-said', { state: 'detached', timeout: T }).catch(() => fail('the refusal was not dismissed'));

  // The incoming officer signs.
  const duty2 = await signIn('duty2');
  await duty2.waitForSelector(pending + ' form.take-form', { timeout: T });
  await duty2.fill(pending + ' form.take-form input[name=remark]', '已知悉，18:00 前跟进通报');
  await duty2.click(pending + ' form.take-form button');
  await duty2.waitForSelector('.ho-said.ok', { timeout: T });
  const record = '#handover-history .ho-record.taken';
  await duty2.waitForSelector(record, { timeout: T });
  const signed = await text(duty2, record);
  for (const want of ['交班：值班员甲', '接班：值班员乙', '已知悉，18:00 前跟进通报', words]) {
    if (!signed.includes(want)) await fail(`the record lacks "${want}": ${signed}`);
  }
  if (await duty2.$('.ho-pending')) await fail('the handover taken is still pending');
  if (!await duty2.$eval(record + ' details', (d) => d.open)) await duty2.click(record + ' details summary');
  await duty2.waitForSelector(`${record} [data-section=incidents] [data-incident="${incident}"]`, { timeout: T });
  await shot(duty2, 'taken');

  await duty2.setViewportSize({ width: 390, height: 844 });
  await duty2.waitForTimeout(300);
  const sw = await duty2.evaluate(() => document.documentElement.scrollWidth);
  await shot(duty2, 'phone');
  if (sw > 390) await fail('the handover page scrolls sideways on a phone: scrollWidth ' + sw);
  // The outgoing officer's page learns of the signature without a reload.
  focus(duty);
  await duty.waitForSelector(record, { timeout: T });
  if (await duty.$('.ho-pending')) await fail('the outgoing officer still sees the handover pending');
  await duty.setViewportSize({ width: 390, height: 844 });
  await duty.waitForTimeout(300);
  const sw2 = await duty.evaluate(() => document.documentElement.scrollWidth);
  await shot(duty, 'phone-draft');
  if (sw2 > 390) await fail('the handover draft scrolls sideways on a phone: scrollWidth ' + sw2);
  console.log('ok: handover — the draft lists the drill incident with its clock, the next shift\'s deadlines and the blind source; 值班员甲 signs, self-take refused, 值班员乙 signs with a remark, both signatures recorded');
  await browser.close();
} catch (e) {
  await fail(e.message);
}
