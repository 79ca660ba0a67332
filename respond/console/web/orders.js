'use strict';
// 热线工单 and 依申请公开: register an order, then sign, pause (for a
// disclosure request: 补正 or 征求意见, with its article), resume, extend
// (approver: one extension of at most 20 working days, with the applicant
// told) and answer (a disclosure request records its 第三十六条 result).
// Uses app.js's h, api, fmt, CLOCKS, S and actionForm, field; workbench.js's can.

// open: the orders whose 办理 forms are unfolded; said: the last answer to
// each order's commands (a refusal stays until the next command, across live
// re-renders).
const WO = {opts: null, loading: false, open: new Set(), said: new Map()};
function loadOrderOptions() {
  if (WO.opts || WO.loading) return;
  WO.loading = true;
  api('GET', '/api/v1/workorders/options').then(o => { WO.opts = o; scheduleRender(); }, () => {}).finally(() => { WO.loading = false; });
}
const optLabel = (list, code) => ((list || []).find(o => o.code === code) || {}).label || code;
// A date typed in the form is a Beijing date; its end of day is the period's end.
const bjEndOfDay = (d) => d ? new Date(d + 'T23:59:59+08:00').toISOString() : undefined;
const bjStartOfDay = (d) => d ? new Date(d + 'T09:00:00+08:00').toISOString() : undefined;
const bjToday = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);

// A working-day deadline ends at midnight: shown as the last day's 24:00
// (2026/12/31 24:00), not as the next day's 00:00.
function fmtDue(t) {
  const bj = new Date(new Date(t).getTime() + 8 * 3600e3);
  if (bj.getUTCHours() || bj.getUTCMinutes() || bj.getUTCSeconds()) return fmt(t);
  const d = new Date(bj.getTime() - 86400e3);
  return d.getUTCFullYear() + '/' + (d.getUTCMonth() + 1) + '/' + d.getUTCDate() + ' 24:00';
}

function orderDue(w) {
  const c = (w.clocks || {}).answer;
  return c && !c.done ? new Date(c.due).getTime() : Infinity;
}

function viewWorkOrders() {
  loadOrderOptions();
  const o = WO.opts || {};
  const root = h('div', {id: 'workorders'});
  if (can('duty_officer')) {
    const id = h('input', {name: 'id', placeholder: 'YSQ-2026-001', required: true});
    const cat = h('select', {name: 'category'}, ['咨询', '求助', '投诉', '举报', '建议', '留言', o.disclosure || '依申请公开'].map(c => h('option', {value: c}, c)));
    const channel = h('input', {name: 'channel', placeholder: '12345、网上申请、信函…'});
    const unit = h('input', {name: 'unit', placeholder: '承办单位'});
    const title = h('input', {name: 'title', size: 36, placeholder: '标题', required: true});
    const text = h('textarea', {name: 'text', rows: 2, cols: 40, placeholder: '内容'});
    const got = dateInput('received', {value: bjToday()});
    root.append(h('div', {class: 'card'}, h('h3', {}, '登记工单'),
      h('p', {class: 'muted'}, '依申请公开：自收到申请之日起 20 个工作日内答复（《政府信息公开条例》第三十三条），节假日与调休按日历计算。'),
      actionForm('登记', [field('编号', id), field('类别', cat), field('渠道', channel), field('承办单位', unit), field('标题', title), field('内容', text), field('收到日期', got)],
        () => api('POST', '/api/v1/workorders', {id: id.value.trim(), category: cat.value, channel: channel.value, unit: unit.value, title: title.value, text: text.value,
          received_at: got.value === bjToday() ? new Date().toISOString() : bjStartOfDay(got.value)}))));
  }
  const list = [...S.workorders.values()].sort((a, b) => (a.status !== 'open') - (b.status !== 'open') || orderDue(a) - orderDue(b) || a.id.localeCompare(b.id));
  if (!list.length) { root.append(h('div', {class: 'card muted'}, '暂无办理中的工单。')); return root; }
  root.append(h('div', {class: 'grid'}, list.map(w => orderCard(w, o))));
  return root;
}

function orderCard(w, o) {
  const disclosure = w.received.category === (o.disclosure || '依申请公开');
  const post = (path, body) => api('POST', '/api/v1/workorders/' + encodeURIComponent(w.id) + path, body).then(
    (out) => { WO.said.delete(w.id); return out; },
    (x) => { WO.said.set(w.id, x.message); scheduleRender(); throw x; });
  const open = w.status === 'open';
  const tags = [
    disclosure ? h('span', {class: 'tag'}, '依申请公开') : null,
    w.paused_at ? h('span', {class: 'tag kw'}, '中止计时：', optLabel(o.pause_kinds, w.pause_kind) || '挂起', w.pause_until ? '（补正期限 ' + fmt(w.pause_until) + '）' : '') : null,
    (w.extensions || []).length ? h('span', {class: 'tag'}, '已延期 ', (w.extensions || []).reduce((a, b) => a + b, 0), ' 个工作日') : null,
    w.status === 'withdrawn' ? h('span', {class: 'tag'}, '视为放弃申请') : null,
    w.result ? h('span', {class: 'tag'}, '结果：', optLabel(o.results, w.result), w.basis ? '（' + optLabel((o.bases || {})[w.result], w.basis) + '）' : '') : null,
  ];
  const card = h('div', {class: 'card order', 'data-order': w.id},
    h('b', {}, w.received.title || w.id), h('div', {class: 'muted'}, w.id, ' · ', w.received.channel, ' · ', w.received.category, ' · ', w.received.unit, ' · 收到 ', fmt(w.received.received_at)),
    h('div', {}, tags),
    Object.entries(w.clocks || {}).map(([name, c]) => h('div', {class: 'clock', 'data-clock': name, 'data-due': c.due, 'data-done': c.done ? '1' : ''},
      h('div', {}, CLOCKS[name] || name, '（', c.workdays, ' 个工作日）', h('span', {class: 'muted'}, ' 截止 ', fmtDue(c.due)), (c.uncovered_years || []).length ? h('span', {class: 'error'}, ' 节假日未覆盖，时限为估算') : null),
      h('div', {class: 'countdown'}, c.done ? (c.met ? '按时完成' : '超时完成') : ''))));
  if (!open) return card;
  const forms = [];
  if (can('duty_officer')) {
    const sign = (w.clocks || {}).sign;
    if (sign && !sign.done) forms.push(actionForm('签收', [], () => post('/sign', {at: new Date().toISOString()})));
    if (w.paused_at) {
      forms.push(actionForm(w.pause_kind === 'supplement' ? '收到补正（重新计算期限）' : '恢复计时', [], () => post('/resume', {at: new Date().toISOString()})));
    } else {
      const why = h('input', {name: 'reason', placeholder: '原因'});
      const kinds = disclosure ? h('select', {name: 'kind'}, (o.pause_kinds || []).map(k => h('option', {value: k.code}, k.label + '（' + k.article + '）'))) : null;
      const until = disclosure ? dateInput('until') : null;
      forms.push(actionForm(disclosure ? '中止计时' : '挂起', [field('原因', why), kinds && field('类型', kinds), until && field('补正期限', until)],
        () => post('/pause', {at: new Date().toISOString(), reason: why.value, kind: kinds ? kinds.value : undefined, until: until && kinds.value === 'supplement' ? bjEndOfDay(until.value) : undefined}), 'warn'));
    }
    const text = h('input', {name: 'text', size: 30, placeholder: '答复内容摘要'});
    let result = null, basis = null;
    if (disclosure) {
      result = h('select', {name: 'result'}, (o.results || []).map(r => h('option', {value: r.code}, r.label)));
      basis = h('select', {name: 'basis'}, h('option', {value: ''}, '（情形）'));
      const fill = () => basis.replaceChildren(h('option', {value: ''}, '（情形）'), ...((o.bases || {})[result.value] || []).map(b => h('option', {value: b.code}, b.label + '（' + b.article + '）')));
      result.addEventListener('change', fill);
      fill();
    }
    forms.push(actionForm('答复', [field('内容', text), result && field('结果', result), basis && field('情形', basis)],
      () => post('/answer', {at: new Date().toISOString(), text: text.value, result: result ? result.value : undefined, basis: basis && basis.value ? basis.value : undefined})));
  }
  if (can('approver', 'leader')) {
    const days = h('input', {name: 'days', type: 'number', min: 1, max: disclosure ? 20 : 60, value: disclosure ? 20 : 5});
    const why = h('input', {name: 'reason', placeholder: '延期理由'});
    const by = h('input', {name: 'approved_by', placeholder: '批准人', value: (S.me && S.me.display_name) || ''});
    const told = disclosure ? dateInput('notified_at', {value: bjToday()}) : null;
    forms.push(actionForm('延期', [field('工作日', days), field('理由', why), field('批准人', by), told && field('告知申请人日期', told)],
      () => post('/extend', {days: +days.value, reason: why.value, approved_by: by.value,
        notified_at: told ? (told.value === bjToday() ? new Date().toISOString() : bjStartOfDay(told.value)) : undefined}), 'warn'));
  }
  const said = WO.said.get(w.id);
  if (said) card.append(h('div', {class: 'error said'}, said, ' ', h('button', {class: 'act quiet', type: 'button', onclick: () => { WO.said.delete(w.id); scheduleRender(); }}, '知道了')));
  if (forms.length) card.append(h('details', {class: 'order-actions', open: WO.open.has(w.id), ontoggle: (e) => { if (e.target.open) WO.open.add(w.id); else WO.open.delete(w.id); }}, h('summary', {}, '办理'), forms));
  return card;
}
