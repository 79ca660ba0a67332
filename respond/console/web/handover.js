'use strict';
// 交接班: the note the outgoing duty officer leaves to the next shift —
// 未结事件, 下一班到期时限 (breached first, with countdowns), 未确认预警
// (no incident, not folded into another, within the alert window) and
// 失联信源 — drafted live from the server (GET /api/v1/handover/draft),
// with 交班说明 (需关注事项) typed here, then 签字交班. The lists are frozen in
// the signed record. Another duty officer signs 签字接班 (never the one who
// handed over); a refusal or a confirmation stays on the page until
// dismissed. History below, newest first.
// Uses app.js's h, api, fmt, gradeTag, drillTag, scheduleRender, tick and S;
// workbench.js's can.

const HO = {draft: null, handed: null, draftAt: 0, loadingDraft: false, list: null, listAt: 0, loadingList: false,
  text: '', remark: new Map(), open: new Set(), said: null, busy: false, error: ''};

function loadHandover(force) {
  const now = Date.now();
  if (!HO.loadingDraft && (force || now - HO.draftAt > 5000)) {
    HO.loadingDraft = true;
    api('GET', '/api/v1/handover/draft').then(o => { HO.draft = o.note; HO.handed = o.handed; HO.error = ''; },
      x => { HO.error = x.message; }).finally(() => { HO.draftAt = Date.now(); HO.loadingDraft = false; scheduleRender(); });
  }
  if (!HO.loadingList && (force || now - HO.listAt > 5000)) {
    HO.loadingList = true;
    api('GET', '/api/v1/handovers?limit=20').then(l => { HO.list = l || []; }, () => {})
      .finally(() => { HO.listAt = Date.now(); HO.loadingList = false; scheduleRender(); });
  }
}
// Another officer's signature is not on the websocket: the page asks again
// while it is shown.
setInterval(() => { if ((location.hash || '').startsWith('#/handover')) loadHandover(); }, 5000);

const hoWrap = 'overflow-wrap:anywhere;word-break:break-word';
const hoTime = (t) => t ? new Date(t).toLocaleString('zh-CN', {hour12: false, timeZone: 'Asia/Shanghai', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit'}) : '—';
const hoSpan = (from, to) => hoTime(from) + ' 至 ' + hoTime(to);
const hoSince = (t, at) => {
  const m = Math.max(0, Math.round((new Date(at || Date.now()) - new Date(t)) / 60e3));
  return m < 60 ? m + ' 分钟' : m < 48 * 60 ? Math.floor(m / 60) + ' 小时' + (m % 60 ? ' ' + m % 60 + ' 分钟' : '') : Math.floor(m / 1440) + ' 天';
};
const hoMine = (actor) => !!(S.me && actor === 'user:' + S.me.username);

// section is one list of a note with its count; an empty one says 无.
function hoSection(key, title, items, row) {
  return h('div', {class: 'ho-section', 'data-section': key, style: 'margin:10px 0 4px'},
    h('h3', {style: 'margin:0 0 4px;font-size:15px'}, title, ' ', h('span', {class: 'muted'}, '（', String(items.length), '）')),
    items.length ? items.map(row) : h('div', {class: 'muted ho-none'}, '无'));
}

// clockLine is a deadline with its countdown (live: app.js tick) or, in a
// note of the past, its due time alone.
function hoClock(c, live) {
  const name = h('span', {}, c.name || c.clock);
  const what = [c.kind === 'workorder' ? h('span', {class: 'tag'}, '工单') : null, name, ' · ',
    c.kind === 'incident' ? h('a', {href: '#/incident/' + encodeURIComponent(c.subject)}, c.title || c.subject) : h('span', {}, c.title || c.subject),
    c.owner ? h('span', {class: 'muted'}, ' · ', c.owner) : null, c.unacked ? h('span', {class: 'tag kw'}, '提醒未确认') : null];
  return h('div', live ? {class: 'clock', 'data-due': c.due, 'data-clock': c.clock, 'data-subject': c.subject, style: hoWrap} : {class: 'clock' + (c.breached ? ' breached' : ''), 'data-clock': c.clock, 'data-subject': c.subject, style: hoWrap},
    h('div', {style: 'color:var(--fg)'}, c.grade ? [gradeTag(c.grade), ' '] : null, drillTag(c.drill), ' ', what),
    h('div', {class: 'muted'}, '截止 ', fmt(c.due), live ? '' : (c.breached ? ' · 交班时已超时' : '')),
    live ? h('div', {class: 'countdown', style: 'font-size:17px;letter-spacing:0'}) : null);
}

function hoIncident(i, live) {
  return h('div', {class: 'ho-item', 'data-incident': i.id, style: 'border-top:1px solid var(--line);padding:6px 0;' + hoWrap},
    h('div', {}, gradeTag(i.grade), ' ', drillTag(i.drill), ' ', h('a', {class: 'headline', href: '#/incident/' + encodeURIComponent(i.id)}, i.title || i.id)),
    h('div', {class: 'muted'}, '牵头：', i.owner || '未指派', ' · ', i.status || '处置中', ' · 发现 ', fmt(i.detected_at)),
    i.next ? h('div', {class: 'muted'}, '最近时限：', i.next.name || i.next.clock, ' 截止 ', fmt(i.next.due), live && new Date(i.next.due) <= Date.now() ? h('b', {class: 'error'}, ' 已超时') : null) : h('div', {class: 'muted'}, '无计时中的时限'));
}

function hoAlert(a) {
  return h('div', {class: 'ho-item', 'data-alert': a.id, style: 'border-top:1px solid var(--line);padding:6px 0;' + hoWrap},
    h('div', {}, a.grade ? gradeTag(a.grade) : h('span', {class: 'grade g0'}, '建议等级未定'), ' ', drillTag(a.drill), ' ', h('a', {class: 'headline', href: '#/alerts/' + encodeURIComponent(a.id)}, a.title || a.id)),
    h('div', {class: 'muted'}, a.mentions, ' 条信息 · 首次预警 ', fmt(a.raised), ' · 更新 ', fmt(a.updated), ' · 尚未建立事件'));
}

function hoSource(s, at) {
  return h('div', {class: 'ho-item', 'data-source': s.name, style: 'border-top:1px solid var(--line);padding:6px 0;' + hoWrap},
    h('div', {}, h('b', {}, s.name), ' ', h('span', {class: 'blind'}, s.blind ? '失明' : '失联')),
    h('div', {class: 'muted'}, '自 ', fmt(s.since), ' 起（已 ', hoSince(s.since, at), '）：', s.reason || ''));
}

// noteBody shows a note's four lists; live: the draft (countdowns tick).
function noteBody(n, live) {
  return [
    hoSection('incidents', '未结事件', n.incidents || [], (i) => hoIncident(i, live)),
    hoSection('clocks', '下一班到期时限', n.clocks || [], (c) => hoClock(c, live)),
    hoSection('alerts', '未确认预警', n.alerts || [], hoAlert),
    hoSection('sources', '失联信源', n.sources || [], (s) => hoSource(s, live ? null : n.at)),
  ];
}

const hoSigned = (who, at) => [h('b', {}, who), ' ', h('span', {class: 'muted'}, hoTime(at), ' 签字')];
function signatures(r) {
  return h('div', {class: 'ho-signatures', style: 'display:flex;flex-wrap:wrap;gap:4px 24px;margin:6px 0'},
    h('span', {class: 'ho-handed'}, '交班：', hoSigned(r.handed_by_name || r.handed_by, r.handed_at)),
    r.taken_at ? h('span', {class: 'ho-taken'}, '接班：', hoSigned(r.taken_by_name || r.taken_by, r.taken_at), r.remark ? h('span', {}, '（', r.remark, '）') : null)
      : h('span', {class: 'ho-taken muted'}, '接班：待另一名值班员签字'));
}

// said is the last answer to a signature, shown until dismissed.
function hoSaid() {
  const s = HO.said;
  if (!s) return null;
  return h('div', {class: 'card ho-said ' + (s.ok ? 'ok' : 'error'), role: 'status', style: 'border-left:4px solid ' + (s.ok ? 'var(--green)' : 'var(--red)') + ';' + hoWrap},
    s.text, ' ', h('button', {class: 'act quiet', type: 'button', onclick: (e) => { HO.said = null; e.target.closest('.ho-said').remove(); scheduleRender(); }}, '知道了'));
}

async function hoSign(fn, ok) {
  if (HO.busy) return;
  HO.busy = true;
  try {
    const r = await fn();
    HO.said = {ok: true, text: ok(r)};
    if (document.activeElement) document.activeElement.blur();
  } catch (x) {
    HO.said = {ok: false, text: x.message};
  } finally {
    HO.busy = false;
    loadHandover(true);
    scheduleRender();
  }
}

function takeForm(r) {
  if (!can('duty_officer')) return null;
  const remark = h('input', {name: 'remark', value: HO.remark.get(r.id) || '', placeholder: '接班备注（可不填）', style: 'flex:1 1 200px;min-width:0',
    oninput: (e) => HO.remark.set(r.id, e.target.value)});
  const form = h('form', {class: 'take-form', 'data-handover': r.id, style: 'display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin-top:8px'},
    remark, h('button', {class: 'act', type: 'submit', disabled: HO.busy}, '签字接班'),
    hoMine(r.handed_by) ? h('span', {class: 'muted'}, '须由另一名值班员签字接班') : null);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    hoSign(async () => {
      const out = await api('POST', '/api/v1/handovers/' + encodeURIComponent(r.id) + '/take', {remark: HO.remark.get(r.id) || ''});
      HO.remark.delete(r.id);
      return out;
    }, (out) => '已签字接班：' + (out.handed_by_name || out.handed_by) + ' 交班、' + (out.taken_by_name || out.taken_by) + ' 接班（' + hoTime(out.taken_at) + '）。');
  });
  return form;
}

function handForm(n) {
  if (!can('duty_officer')) return h('div', {class: 'muted'}, '签字交班须由值班员进行。');
  const text = h('textarea', {name: 'note', id: 'handover-note', rows: 4, placeholder: '需关注事项：待跟进的事件、须在下一班完成的发布、要联系的单位……没有可写“无”。',
    oninput: (e) => { HO.text = e.target.value; }}, HO.text);
  const form = h('form', {id: 'hand-form'},
    h('label', {for: 'handover-note', style: 'display:block;font-weight:600;margin:4px 0'}, '交班说明：需关注事项'), text,
    h('div', {style: 'margin-top:6px;display:flex;flex-wrap:wrap;gap:6px;align-items:center'},
      h('button', {class: 'act', type: 'submit', id: 'hand-submit', disabled: HO.busy}, '签字交班'),
      h('span', {class: 'muted'}, '签字后，以上清单按签字时的情况记入交班记录，不再变化。')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    hoSign(async () => {
      const out = await api('POST', '/api/v1/handovers', {note: HO.text});
      HO.text = '';
      return out;
    }, (out) => '已签字交班（交班至 ' + hoTime(out.note.until) + '）：' + (out.note.incidents || []).length + ' 起未结事件、' + (out.note.clocks || []).length + ' 项时限、' +
      (out.note.alerts || []).length + ' 条未确认预警、' + (out.note.sources || []).length + ' 个失联信源已记入，待接班人签字。');
  });
  return form;
}

// record is one signed handover: its shift, signatures, words and lists.
// A pending one is a card of its own; a past one a block in the history.
function handoverRecord(r, open) {
  const n = r.note || {};
  return h('div', {class: (r.taken_at ? 'ho-record taken' : 'card ho-record pending'), 'data-handover': r.id,
    style: hoWrap + (r.taken_at ? ';border-top:1px solid var(--line);padding:8px 0' : ';border-left:6px solid var(--orange)')},
    h('div', {}, h('b', {}, '交班至 ', hoTime(n.until)), h('span', {class: 'muted'}, '（本班 ', hoSpan(n.from, n.until), '）'), ' ',
      r.taken_at ? h('span', {class: 'tag'}, '已接班') : h('span', {class: 'tag kw'}, '待接班')),
    signatures(r),
    h('div', {class: 'ho-text', style: 'white-space:pre-wrap;background:#fafafa;border:1px solid var(--line);border-radius:4px;padding:8px;margin:6px 0'}, h('b', {}, '交班说明：'), n.text || ''),
    h('details', {open: open || HO.open.has(r.id) || null, ontoggle: (e) => { if (e.target.open) HO.open.add(r.id); else HO.open.delete(r.id); }}, h('summary', {class: 'muted', style: 'cursor:pointer'}, '交班单：', (n.incidents || []).length, ' 起未结事件 · ', (n.clocks || []).length, ' 项时限 · ',
      (n.alerts || []).length, ' 条未确认预警 · ', (n.sources || []).length, ' 个失联信源（', hoTime(n.at), ' 时的情况）'), noteBody(n, false)),
    r.taken_at ? null : takeForm(r));
}

function viewHandover() {
  loadHandover();
  const root = h('div', {id: 'handover'});
  root.append(h('div', {class: 'card'}, h('h2', {style: 'margin:0 0 4px'}, '交接班'),
    h('div', {class: 'muted'}, '交班人在下方交班单上填写需关注事项并签字交班；接班人（另一名值班员）核对后签字接班。',
      HO.draft ? ['交班时刻按 ', (HO.draft.boundaries || []).join('、'), '（北京时间）换班计算。'] : null)));
  const said = hoSaid();
  if (said) root.append(said);
  if (HO.error) root.append(h('div', {class: 'card error'}, HO.error));
  const pending = (HO.list || []).filter(r => !r.taken_at);
  for (const r of pending) root.append(h('div', {class: 'ho-pending'}, h('h3', {style: 'margin:8px 0 4px'}, '待接班'), handoverRecord(r, true)));
  const n = HO.draft;
  if (!n) { root.append(h('div', {class: 'card muted'}, '加载中…')); return root; }
  // Handed over early, the draft is the next shift's: signed once it begins.
  const ahead = new Date(n.from) > Date.now();
  const card = h('div', {class: 'card', id: 'handover-draft', style: hoWrap},
    h('h3', {style: 'margin:0'}, ahead ? '下一班交班单（草稿）· ' : '交班单 · 本班 ', hoSpan(n.from, n.until)),
    h('div', {class: 'muted'}, '时限列至下一班结束（', hoTime(n.next_end), '）；未确认预警为近 ', n.window || '24 小时', '内尚未建立事件的预警。内容随态势实时更新。'),
    noteBody(n, true));
  if (HO.handed) {
    card.append(h('div', {class: 'ok', id: 'handover-done', style: 'margin-top:8px;font-weight:600'}, '本班已于 ', hoTime(HO.handed.handed_at), ' 由 ', HO.handed.handed_by_name || HO.handed.handed_by, ' 签字交班',
      HO.handed.taken_at ? '，' + (HO.handed.taken_by_name || HO.handed.taken_by) + ' 已签字接班。' : '，待接班。'));
  } else if (ahead) {
    card.append(h('div', {class: 'ok', id: 'handover-ahead', style: 'margin-top:8px;font-weight:600'}, '本班已签字交班。下一班 ', hoTime(n.from), ' 开始后，可在此签字交班。'));
  } else {
    card.append(handForm(n));
  }
  root.append(card);
  const past = (HO.list || []).filter(r => r.taken_at);
  root.append(h('div', {class: 'card', id: 'handover-history'}, h('h3', {style: 'margin:0 0 6px'}, '交接班记录'),
    !HO.list ? h('div', {class: 'muted'}, '加载中…') : past.length ? past.map(r => handoverRecord(r, false)) : h('div', {class: 'muted'}, '暂无已完成的交接班。')));
  return root;
}
