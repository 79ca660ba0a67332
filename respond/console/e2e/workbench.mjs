// Browser test of the spokesperson's workbench on the incident console.mjs
// opened and graded II: a spokesperson records two facts and verifies one,
// drafts a 情况通报 from the template, the citation check flags an uncited
// figure and the privacy guard a phone number; the approver returns it, the
// spokesperson fixes it, the approver and a leader sign, and publication
// stops the 5-hour clock; the effect panel shows counts before and after.
// Three people in three browser contexts; screenshots go to SHOTS.
// Env: URL, INCIDENT, PASSWORD, SHOTS, CHROMIUM.
import { T, url, session } from './lib.mjs';

const incident = process.env.INCIDENT;
const { browser, shot, fail, focus, signIn: enter } = await session('wb', 20);
async function signIn(username) {
  const page = await enter(username, '#/incident/' + encodeURIComponent(incident));
  await page.waitForSelector('#drafts', { timeout: T });
  return page;
}
const textOf = (page, sel) => page.$eval(sel, (el) => el.textContent).catch(() => '');
async function clickIn(page, formText) {
  await page.click(`#drafts form:has(button:has-text("${formText}")) button:has-text("${formText}")`);
}

const fact1 = '12月3日上午，城东区化工厂附近出现刺鼻异味，经环境监测未发现有毒气体超标。';
const draft1 = '关于城东区化工厂异味的情况通报\n' + fact1 + '[F1]\n现场已疏散周边群众120人。\n如需咨询请联系现场负责人，电话13912345678。\n城东区人民政府\n';
const fixed = '关于城东区化工厂异味的情况通报\n' + fact1 + '[F1]\n事发原因正在调查，调查结果将及时向社会公布。\n城东区人民政府\n';

try {
  // The spokesperson records two facts and verifies one.
  const spokes = await signIn('spokes');
  // … and, first, proposes a 口径 for the 口径库 (approved by someone else below).
  await spokes.goto(url + '/#/wording');
  await spokes.waitForSelector('#wording form', { timeout: T });
  await spokes.selectOption('#wording select[name=category]', '安全生产');
  await spokes.fill('#wording input[name=unit]', '城东区应急管理局');
  await spokes.fill('#wording input[name=title]', '化工企业异味处置口径');
  await spokes.fill('#wording input[name=doc]', '国办发〔2016〕61号');
  await spokes.fill('#wording textarea[name=text]', '接到群众反映后，属地政府第一时间组织环境监测，监测结果将及时向社会公布。');
  await spokes.click('#wording form button');
  await spokes.waitForSelector('#wording-list tr[data-wording]', { timeout: T });
  if (await spokes.$('#wording-list button:has-text("批准")')) await fail('a spokesperson is offered to approve 口径');
  await spokes.goto(url + '/#/incident/' + encodeURIComponent(incident));
  await spokes.waitForSelector('#facts form', { timeout: T });
  if (await spokes.$('#actions form:has(select[name=grade])')) await fail('a spokesperson is shown the grading form');
  await spokes.selectOption('#facts select[name=kind]', 'unit');
  await spokes.fill('#facts input[name=text]', fact1);
  await spokes.fill('#facts input[name=source]', '城东区生态环境分局');
  await spokes.click('#facts form button');
  await spokes.waitForSelector('#facts tr[data-fact=F1]', { timeout: T });
  await spokes.selectOption('#facts select[name=kind]', 'claim');
  await spokes.fill('#facts input[name=text]', '化工厂发生爆炸，有人员死亡');
  await spokes.fill('#facts input[name=source]', '微博网友');
  await spokes.click('#facts form button');
  await spokes.waitForSelector('#facts tr[data-fact=F2]', { timeout: T });
  await spokes.click('#facts tr[data-fact=F1] button.verify');
  await spokes.waitForFunction(() => /已核实/.test(document.querySelector('#facts tr[data-fact=F1] .fact-status')?.textContent || ''), null, { timeout: T });

  // A 情况通报 from the template: the verified fact is cited, the rest is to write.
  await clickIn(spokes, '按模板起草');
  await spokes.waitForSelector('#draft-text', { timeout: T });
  const tpl = await spokes.$eval('#draft-text', (el) => el.value);
  if (!tpl.includes('[F1]') || tpl.includes('[F2]') || !/一、基本情况[\s\S]*二、原因[\s\S]*三、处置措施与解决方案[\s\S]*四、制约因素/.test(tpl)) await fail('template: ' + tpl);
  await shot(spokes, 'template');

  // An uncited figure and a phone number: both flagged, approval blocked.
  await spokes.fill('#draft-text', draft1);
  await clickIn(spokes, '保存为第 2 稿');
  await spokes.waitForFunction(() => /第 2 稿/.test(document.querySelector('#drafts .draft .title-row')?.textContent || ''), null, { timeout: T });
  await spokes.waitForSelector('#draft-check [data-issue=uncited]', { timeout: T });
  if (!/120人/.test(await textOf(spokes, '#draft-check .issues'))) await fail('the uncited figure is not flagged: ' + await textOf(spokes, '#draft-check'));
  if (!/13912345678/.test(await textOf(spokes, '#draft-check [data-privacy=phone]'))) await fail('the phone number is not flagged: ' + await textOf(spokes, '#draft-check'));
  await shot(spokes, 'check-flags');
  await spokes.click('#submit-draft');
  await spokes.waitForSelector('#drafts .draft[data-status=待审核]', { timeout: T });
  await spokes.waitForSelector('#clocks [data-draft-status=待审核]', { timeout: T });

  // The approver approves the 口径, cannot approve the draft, and returns it with a reason.
  const approver = await signIn('reviewer');
  await approver.goto(url + '/#/wording');
  await approver.click('#wording-list button:has-text("批准")');
  await approver.waitForSelector('#wording-list tr[data-wording] .tag:has-text("已批准")', { timeout: T });
  await shot(approver, 'wording');
  await approver.goto(url + '/#/incident/' + encodeURIComponent(incident));
  await approver.waitForSelector('#drafts .draft[data-status=待审核]', { timeout: T });
  if (await approver.$('#drafts form:has(button:has-text("按模板起草"))')) await fail('an approver is shown the drafting form');
  await clickIn(approver, '审核通过');
  await approver.waitForFunction(() => /未通过检查/.test(document.querySelector('#wb-msg')?.textContent || ''), null, { timeout: T });
  await shot(approver, 'approve-refused');
  await approver.fill('#drafts input[name=reason]', '疏散人数没有来源；删去现场负责人的手机号');
  await clickIn(approver, '退回修改');
  await approver.waitForSelector('#drafts .draft[data-status=草稿]', { timeout: T });
  await shot(approver, 'returned');

  // The spokesperson fixes it; the check passes; the diff shows the change.
  focus(spokes);
  await spokes.reload();
  await spokes.waitForSelector('#draft-text', { timeout: T });
  await spokes.fill('#draft-text', fixed);
  await clickIn(spokes, '保存为第 3 稿');
  await spokes.waitForSelector('#draft-check .check.pass', { timeout: T });
  await spokes.waitForSelector('#drafts .diff del', { timeout: T });
  await shot(spokes, 'fixed-diff');
  await spokes.click('#submit-draft');
  await spokes.waitForSelector('#drafts .draft[data-status=待审核]', { timeout: T });

  // Approver, then a leader: three different people.
  focus(approver);
  await approver.reload();
  await approver.waitForSelector('#drafts .draft[data-status=待审核]', { timeout: T });
  await clickIn(approver, '审核通过');
  await approver.waitForSelector('#drafts .draft[data-status=待签发]', { timeout: T });
  const leader = await signIn('leader');
  await leader.waitForSelector('#drafts .draft[data-status=待签发]', { timeout: T });
  await clickIn(leader, '签发');
  await leader.waitForSelector('#drafts .draft[data-status=已签发]', { timeout: T });
  await shot(leader, 'signed');

  // Publication stops the 5-hour clock; the text is in the incident's history.
  focus(spokes);
  await spokes.reload();
  await spokes.waitForSelector('#drafts .draft[data-status=已签发]', { timeout: T });
  await spokes.fill('#drafts input[name=url]', 'https://www.chengdong.gov.cn/tzgg/20261203.html');
  await clickIn(spokes, '发布');
  const statement = '#clocks [data-clock=statement] .countdown';
  await spokes.waitForFunction((sel) => (document.querySelector(sel)?.textContent || '') === '按时完成', statement, { timeout: T });
  await spokes.waitForSelector('#drafts .draft[data-status=已发布]', { timeout: T });
  await spokes.waitForSelector('#timeline li:has-text("发言人李四")', { timeout: T });
  if (/user:/.test(await textOf(spokes, '#timeline'))) await fail('the timeline names accounts, not people');
  if (await spokes.$('#effect')) {
    await spokes.waitForSelector('#effect [data-window="6h"] .before', { timeout: T });
  } else {
    await fail('no effect panel after publication');
  }
  await shot(spokes, 'published');

  // The leader's 态势总览: ECharts from yuqing itself, live figures.
  focus(leader);
  await leader.goto(url + '/#/overview');
  await leader.waitForSelector('#ov-volume canvas', { timeout: T });
  await leader.waitForSelector('#ov-topics table', { timeout: T });
  if (!/\d/.test(await textOf(leader, '#ov-kpis'))) await fail('overview figures: ' + await textOf(leader, '#ov-kpis'));
  // Live topics are titled by their headlines, as on the topic board, not
  // by a list of keywords.
  try {
    await leader.waitForFunction(() => [...document.querySelectorAll('#ov-topics td a')].some(a => a.textContent && !a.textContent.includes(' · ')), null, { timeout: T });
  } catch (e) {
    await fail('overview topics titled by keywords only: ' + await textOf(leader, '#ov-topics'));
  }
  await leader.waitForTimeout(800); // the charts' entry animation
  await shot(leader, 'overview');

  // A leader makes a weekly report (drill data included) from the 报表 page:
  // Word, PDF and HTML, previewed in the page.
  focus(leader);
  await leader.goto(url + '/#/reports');
  await leader.waitForSelector('#reports form', { timeout: T });
  await leader.selectOption('#reports select[name=kind]', 'weekly');
  await leader.check('#reports input[name=drill]');
  await leader.click('#reports form button');
  await leader.waitForSelector('#report-list tr[data-report] a.dl', { timeout: 120000 });
  const formats = await leader.$$eval('#report-list tr[data-report]:first-of-type a.dl, #report-list tr[data-report] a.dl', (as) => [...new Set(as.map((a) => a.textContent))]);
  if (!['Word', 'PDF', '网页'].every((f) => formats.includes(f))) await fail('report formats: ' + JSON.stringify(formats));
  const docx = await leader.$eval('#report-list a.dl[href$="/docx"]', (a) => a.href);
  const got = await leader.evaluate(async (u) => { const r = await fetch(u); return { status: r.status, type: r.headers.get('content-type'), size: (await r.arrayBuffer()).byteLength }; }, docx);
  if (got.status !== 200 || !/wordprocessingml/.test(got.type) || got.size < 5000) await fail('the Word file: ' + JSON.stringify(got));
  await leader.waitForSelector('#report-preview', { timeout: T });
  await leader.waitForTimeout(1500); // the preview draws its charts
  await shot(leader, 'report');
  await leader.setViewportSize({ width: 390, height: 844 });
  await leader.goto(url + '/#/incident/' + encodeURIComponent(incident));
  await leader.waitForSelector('#drafts', { timeout: T });
  await shot(leader, 'phone-incident');
  console.log('ok: workbench — facts, template, citation and privacy checks, return, fix, approve, sign, publish; statement clock stopped; weekly report in Word, PDF and HTML');
  await browser.close();
} catch (e) {
  await fail(e.message);
}
