// Browser test of a disclosure request (依申请公开) on the work-order page:
// the duty officer registers it (20 working days), stops the clock for 补正
// and resumes it when the supplement arrives, the approver grants the one
// extension with the applicant told, and the duty officer answers with a
// 第三十六条 result. Shot at 1440 px and at a phone's 390 px, where the page
// must not scroll sideways. Env: URL, PASSWORD, SHOTS, CHROMIUM.
import { T, url, session } from './lib.mjs';

const { browser, shot, fail, signIn: enter } = await session('orders', 40);
async function signIn(username) {
  const page = await enter(username, '#/workorders');
  await page.waitForSelector('#workorders', { timeout: T });
  return page;
}
const card = '#workorders .order[data-order="YSQ-E2E-1"]';
const cardText = (page) => page.$eval(card, (el) => el.textContent).catch(() => '');
async function waitCard(page, pred, what) {
  for (let i = 0; i < 90; i++) {
    if (pred(await cardText(page))) return;
    await page.waitForTimeout(500);
  }
  await fail(what + ': ' + await cardText(page));
}
async function act(page, button) {
  if (!await page.$eval(card + ' details.order-actions', (d) => d.open).catch(() => false)) await page.click(card + ' details.order-actions summary');
  return `${card} div:has(> form button:has-text("${button}"))`;
}

try {
  const duty = await signIn('duty');
  await duty.waitForSelector('#workorders select[name=category]', { timeout: T });
  await duty.fill('#workorders input[name=id]', 'YSQ-E2E-1');
  await duty.selectOption('#workorders select[name=category]', '依申请公开');
  await duty.fill('#workorders input[name=channel]', '网上申请');
  await duty.fill('#workorders input[name=unit]', '市住建局');
  await duty.fill('#workorders input[name=title]', '申请公开2026年老旧小区改造项目清单');
  await duty.click('#workorders form:has(button:has-text("登记")) button:has-text("登记")');
  await duty.waitForSelector(card, { timeout: T });
  await waitCard(duty, (t) => t.includes('依申请公开') && t.includes('答复（20 个工作日）'), 'registered with a 20-working-day answer clock');
  const due0 = await duty.$eval(card + ' .clock[data-clock=answer]', (el) => el.dataset.due);

  // 补正: the clock stops; when the supplement arrives it counts afresh.
  let f = await act(duty, '中止计时');
  await duty.selectOption(f + ' form select[name=kind]', 'supplement');
  await duty.fill(f + ' form input[name=reason]', '申请内容不明确，请补充具体年份和地块');
  await duty.fill(f + ' form input[name=until]', new Date(Date.now() + 8 * 3600e3 + 10 * 86400e3).toISOString().slice(0, 10));
  await duty.click(f + ' form button');
  await waitCard(duty, (t) => t.includes('中止计时：补正') && t.includes('补正期限'), 'paused for 补正');
  await shot(duty, 'paused');
  f = await act(duty, '收到补正');
  await duty.click(f + ' form button');
  await waitCard(duty, (t) => !t.includes('中止计时：'), 'resumed');

  // The approver grants the one extension, the applicant told.
  const approver = await signIn('reviewer');
  await approver.waitForSelector(card, { timeout: T });
  f = await act(approver, '延期');
  await approver.fill(f + ' form input[name=reason]', '需调取档案，无法按期答复');
  await approver.click(f + ' form button');
  await waitCard(approver, (t) => t.includes('已延期 20 个工作日'), 'extended');
  const due1 = await approver.$eval(card + ' .clock[data-clock=answer]', (el) => el.dataset.due);
  if (!(new Date(due1) > new Date(due0))) await fail(`the extension did not move the due time: ${due0} → ${due1}`);
  // A second extension is refused with the article.
  f = await act(approver, '延期');
  await approver.fill(f + ' form input[name=reason]', '再延一次');
  await approver.click(f + ' form button');
  // The refusal stays on the card, live updates or not, until dismissed.
  await approver.waitForSelector(card + ' .said', { timeout: T });
  await approver.waitForTimeout(2000);
  const refusal = await approver.$eval(card + ' .said', (el) => el.textContent);
  if (!refusal.includes('只能延长一次')) await fail('second extension: ' + refusal);

  // The answer records its result.
  await duty.bringToFront();
  f = await act(duty, '答复');
  await duty.fill(f + ' form input[name=text]', '部分公开，涉及个人信息的部分不予公开');
  await duty.selectOption(f + ' form select[name=result]', 'partial');
  await duty.click(f + ' form button');
  await waitCard(duty, (t) => t.includes('结果：部分公开') && t.includes('按时完成'), 'answered');
  await shot(duty, 'answered');
  await duty.setViewportSize({ width: 390, height: 844 });
  await duty.waitForTimeout(300);
  const sw = await duty.evaluate(() => document.documentElement.scrollWidth);
  await shot(duty, 'phone');
  if (sw > 390) await fail('the work-order page scrolls sideways on a phone: scrollWidth ' + sw);
  console.log('ok: orders — disclosure request registered on 20 working days, 补正 paused and counted afresh, one extension (second refused), answered 部分公开');
  await browser.close();
} catch (e) {
  await fail(e.message);
}
