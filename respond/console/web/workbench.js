'use strict';
// 发言人工作台 on the incident page: the facts staff record and verify, the
// drafts written from them with their citation and privacy checks, the
// three-step review (起草 → 审核 → 签发) and publication. Uses app.js's h,
// api, fmt and S. Forms a user's roles cannot use are not shown.

const WB = {data: new Map(), loading: new Set(), sel: new Map(), msg: new Map(), assistant: false};
api('GET', '/api/v1/assistant').then(o => { WB.assistant = !!o.enabled; }).catch(() => {});
const can = (...roles) => !!(S.me && (S.me.roles || []).some(r => roles.includes(r) || r === 'admin'));
const WRITERS = ['spokesperson'], APPROVERS = ['approver'], SIGNERS = ['leader'], FACTS = ['spokesperson', 'duty_officer', 'approver'];
const FACT_KIND = {unit: '责任单位', claim: '网传'};
const PRIVACY_KIND = {id_card: '身份证号', phone: '电话号码', bank_card: '银行卡号', plate: '车牌号', email: '电子邮箱', address: '详细地址', name: '姓名'};
const STEP = {saved: '保存', submitted: '提交审核', returned: '退回', approved: '审核通过', signed: '签发', commented: '意见', allowed: '放行个人信息', published: '发布'};
const minutes = (s) => s < 60 ? '不到 1 分钟' : s < 3600 ? Math.floor(s / 60) + ' 分钟' : Math.floor(s / 3600) + ' 小时 ' + Math.floor(s % 3600 / 60) + ' 分钟';

function loadWorkbench(id) {
  if (WB.loading.has(id)) return;
  WB.loading.add(id);
  api('GET', '/api/v1/incidents/' + encodeURIComponent(id) + '/statements')
    .then(o => { WB.data.set(id, o); }, x => { WB.data.set(id, {error: x.message}); })
    .finally(() => { WB.loading.delete(id); scheduleRender(); });
}

// draftLine is the clock card's line for the draft in work: 情况通报 · 待审核 12 分钟.
function draftLine(inc) {
  const d = inc && inc.draft;
  if (!d) return null;
  const since = (Date.now() - Date.parse(d.since)) / 1e3;
  return h('div', {class: 'draft-line st-' + d.status, 'data-draft-status': d.status}, '稿件：', d.kind, ' · ', d.status, ' ', minutes(Math.max(0, since)));
}

function workbench(inc) {
  const id = inc.id, data = WB.data.get(id);
  if (!data) { loadWorkbench(id); return [h('div', {class: 'card muted'}, '工作台加载中…')]; }
  if (data.error) return [h('div', {class: 'card error'}, data.error)];
  const base = '/api/v1/incidents/' + encodeURIComponent(id);
  // The outcome of the last action stays on the page until the next one or
  // until dismissed: live updates re-render the page many times a second.
  const post = async (method, path, body) => {
    try {
      const out = await api(method, base + path, body);
      WB.msg.set(id, {text: '已记录', cls: 'ok'});
      loadWorkbench(id);
      if (path.endsWith('/publish')) refreshEffect(id);
      return out;
    } catch (x) { WB.msg.set(id, {text: x.message, cls: 'error'}); scheduleRender(); throw x; }
  };
  const m = WB.msg.get(id);
  const note = m && m.cls === 'error' ? h('div', {class: 'card wb-msg error', id: 'wb-msg', role: 'alert'}, '未能完成：', m.text, ' ',
    h('button', {class: 'act quiet', onclick: () => { WB.msg.delete(id); scheduleRender(); }}, '知道了')) : null;
  return [note, evidenceCard(inc, post), factsCard(inc, data, post), draftsCard(inc, data, post), effectCard(inc)];
}

function factsCard(inc, data, post) {
  const facts = data.facts || [];
  const kind = h('select', {name: 'kind'}, h('option', {value: 'unit'}, '责任单位提供'), h('option', {value: 'claim'}, '网传（帖子中的说法）'));
  const text = h('input', {name: 'text', placeholder: '例：12月3日凌晨3时许，东港化工厂一储罐泄漏，造成3人受伤', size: 46, required: true});
  const source = h('input', {name: 'source', placeholder: '临江区政府 / 微博网友', required: true});
  return h('div', {class: 'card', id: 'facts'}, h('h3', {}, '事实（稿件只能陈述已核实的事实；网传信息只能写作“网传……经核实……”）'),
    facts.length ? h('table', {class: 'facts'}, h('tr', {}, ['编号', '来源', '内容', '状态', ''].map(x => h('th', {}, x))),
      facts.map(({fact: f, recorded_by_name: rb, verified_by_name: vb}) => h('tr', {'data-fact': f.id},
        h('td', {}, h('b', {}, f.id)), h('td', {}, FACT_KIND[f.kind] || f.kind, h('div', {class: 'muted'}, f.source)),
        h('td', {}, f.text, h('div', {class: 'muted'}, rb, ' 记录于 ', fmt(f.recorded_at), vb ? ['；', vb, ' ', f.status, '于 ', fmt(f.verified_at)] : null, f.note ? '；' + f.note : null)),
        h('td', {}, h('span', {class: 'fact-status ' + (f.status === '已核实' ? 'ok' : f.status === '不实' ? 'error' : 'muted')}, f.status)),
        h('td', {}, can(...FACTS) && f.status !== '已核实' ? h('button', {class: 'act quiet verify', onclick: () => post('POST', '/facts/' + f.id + '/verify', {status: '已核实'}).catch(() => {})}, '核实属实') : null,
          can(...FACTS) && f.status !== '不实' ? h('button', {class: 'act quiet', onclick: () => post('POST', '/facts/' + f.id + '/verify', {status: '不实'}).catch(() => {})}, '核实不实') : null,
          h('button', {class: 'act quiet cite', title: '在正文光标处插入引用', onclick: () => insertCite(f.id)}, '引用')))))
      : h('div', {class: 'muted'}, '尚未记录事实。'),
    can(...FACTS) ? actionForm('记录事实', [field('来源类型', kind), field('内容', text), field('出处', source)], () => post('POST', '/facts', {kind: kind.value, text: text.value, source: source.value})) : null);
}

function insertCite(fid) {
  const ed = document.getElementById('draft-text');
  if (!ed || ed.readOnly) { flash('请先打开一份可编辑的草稿'); return; }
  const at = ed.selectionEnd ?? ed.value.length;
  ed.value = ed.value.slice(0, at) + '[' + fid + ']' + ed.value.slice(at);
  ed.focus(); ed.selectionStart = ed.selectionEnd = at + fid.length + 2;
  ed.dispatchEvent(new Event('input'));
}

function draftsCard(inc, data, post) {
  const drafts = data.drafts || [];
  const kind = h('select', {name: 'kind'}, (data.kinds || []).map(k => h('option', {value: k}, k)));
  const title = h('input', {name: 'title', placeholder: inc.title, size: 30});
  let selID = WB.sel.get(inc.id);
  if (!drafts.some(d => d.id === selID)) selID = drafts.length ? drafts[drafts.length - 1].id : '';
  const sel = drafts.find(d => d.id === selID);
  return h('div', {class: 'card', id: 'drafts'}, h('h3', {}, '稿件（起草 → 审核 → 签发 → 发布）'),
    drafts.length ? h('div', {class: 'draft-tabs'}, drafts.map(d => h('button', {class: 'tab' + (d.id === selID ? ' on' : ''), 'data-draft': d.id,
      onclick: () => { WB.sel.set(inc.id, d.id); scheduleRender(); }}, d.id, ' ', d.kind, ' · ', d.status))) : h('div', {class: 'muted'}, '尚无稿件。'),
    can(...WRITERS) && inc.status === 'open' ? actionForm('按模板起草', [field('类型', kind), field('标题（空则用事件标题）', title)],
      async () => { const out = await post('POST', '/drafts', {kind: kind.value, title: title.value}); WB.sel.delete(inc.id); return out; }) : null,
    sel ? draftView(inc, sel, post) : null);
}

function draftView(inc, d, post) {
  const path = '/drafts/' + encodeURIComponent(d.id);
  const cur = d.versions[d.versions.length - 1];
  const editable = d.status === '草稿' && can(...WRITERS) && inc.status === 'open';
  const checkBox = h('div', {id: 'draft-check'}, checkView(d.check, d, post));
  const name = (a) => (d.names || {})[a] || a;
  let editor;
  if (editable) {
    const ta = h('textarea', {id: 'draft-text', name: 'text', rows: 14, spellcheck: 'false'});
    ta.defaultValue = cur.text;
    let timer = null;
    ta.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        try { checkBox.replaceChildren(checkView(await api('POST', '/api/v1/incidents/' + encodeURIComponent(inc.id) + path + '/check', {text: ta.value}), d, post, true)); } catch (x) {}
      }, 300);
    });
    editor = actionForm('保存为第 ' + (cur.n + 1) + ' 稿', [ta], () => post('PUT', path, {base: cur.n, text: ta.value}));
    editor.classList.add('editor');
    editor.append(wordingPicker());
    // The optional writing assistant writes from the verified facts only;
    // its text lands in the editor, checked like anything typed, unsaved.
    if (WB.assistant) editor.append(h('button', {class: 'act quiet', id: 'assist', type: 'button', onclick: async (ev) => {
      ev.target.disabled = true; ev.target.textContent = '写作助手起草中…';
      try {
        const out = await api('POST', '/api/v1/incidents/' + encodeURIComponent(inc.id) + path + '/assist', {});
        ta.value = out.text; ta.focus();
        checkBox.replaceChildren(checkView(out.check, d, post, true));
      } catch (x) { WB.msg.set(inc.id, {text: x.message, cls: 'error'}); scheduleRender(); }
      finally { ev.target.disabled = false; ev.target.textContent = '写作助手起草（仅用已核实事实）'; }
    }}, '写作助手起草（仅用已核实事实）'));
  } else {
    editor = h('pre', {class: 'draft-text', id: 'draft-text-ro'}, cur.text);
  }
  const reason = h('input', {name: 'reason', placeholder: '退回理由', required: true, size: 30});
  const comment = h('input', {name: 'comment', placeholder: '意见（可空）', size: 24});
  const url = h('input', {name: 'url', placeholder: 'https://…（发布页面链接）', required: true, size: 30});
  const chans = (WB.data.get(inc.id).channels || []).map(c => h('label', {class: 'chk'}, h('input', {type: 'checkbox', name: 'ch', value: c, checked: c === '政务微博'}), c));
  const note = h('input', {name: 'note', placeholder: '对本稿的意见', required: true, size: 30});
  const acts = [];
  if (d.status === '草稿' && can(...WRITERS)) acts.push(h('button', {class: 'act', id: 'submit-draft', onclick: () => post('POST', path + '/submit', {}).catch(() => {})}, '提交审核'));
  if (d.status === '待审核' && can(...APPROVERS)) acts.push(actionForm('审核通过', [field('意见', comment)], () => post('POST', path + '/approve', {comment: comment.value})));
  if (d.status === '待签发' && can(...SIGNERS)) acts.push(actionForm('签发', [field('意见', comment)], () => post('POST', path + '/sign', {comment: comment.value})));
  if ((d.status === '待审核' && can(...APPROVERS)) || (d.status === '待签发' && can(...SIGNERS))) acts.push(actionForm('退回修改', [field('理由', reason)], () => post('POST', path + '/return', {reason: reason.value}), 'warn'));
  if (d.status === '已签发' && can(...WRITERS)) acts.push(actionForm('发布', [h('div', {class: 'chans'}, '渠道：', chans), field('链接', url)],
    () => post('POST', path + '/publish', {channels: [...document.querySelectorAll('#drafts input[name=ch]:checked')].map(x => x.value), url: url.value})));
  return h('div', {class: 'draft', 'data-draft': d.id, 'data-status': d.status},
    h('div', {class: 'title-row'}, h('b', {}, d.kind, '：', d.title), ' ', h('span', {class: 'draft-status st-' + d.status}, d.status),
      h('span', {class: 'muted'}, ' 第 ', cur.n, ' 稿 · ', name(cur.by), ' ', fmt(cur.at), ' · 本环节已 ', minutes(d.waiting_s))),
    d.publication ? h('div', {class: 'ok'}, '已于 ', fmt(d.publication.at), ' 在', d.publication.channels.join('、'), '发布 ', h('a', {href: d.publication.url, rel: 'noopener', target: '_blank'}, '查看')) : null,
    editor, checkBox,
    (d.changes || []).length ? h('details', {class: 'diff', open: true}, h('summary', {}, '第 ', cur.n, ' 稿与上一稿的差异'),
      h('div', {class: 'diff-body'}, d.changes.map(c => c.op === '=' ? c.text : h(c.op === '+' ? 'ins' : 'del', {}, c.text)))) : null,
    acts.length ? h('div', {class: 'draft-acts'}, acts) : null,
    d.status !== '已发布' ? actionForm('提意见', [field('意见', note)], () => post('POST', path + '/comment', {text: note.value}), 'quiet') : null,
    h('details', {class: 'steps', open: d.steps.length < 8}, h('summary', {}, '流转记录（', d.steps.length, '）'),
      h('ul', {class: 'timeline'}, d.steps.map(s => h('li', {}, h('span', {class: 'muted'}, fmt(s.at), ' ', name(s.by), '：'), '第 ', s.version, ' 稿', STEP[s.type] || s.type, s.text ? '：' + s.text : '')))));
}

// checkView lists what blocks approval and signing; approvers may let a
// personal-data finding stay with a reason.
function checkView(r, d, post, live) {
  if (!r) return null;
  const out = h('div', {class: 'check ' + (r.ok ? 'pass' : 'fail')});
  out.append(h('div', {class: r.ok ? 'ok' : 'error'}, r.ok ? '检查通过：引用完整，无个人信息' : '检查未通过：审核和签发前必须解决' + (live ? '（按当前输入）' : '')));
  if ((r.issues || []).length) out.append(h('div', {class: 'issues'}, h('b', {}, '引用检查'), h('ul', {}, r.issues.map(i => h('li', {'data-issue': i.kind},
    '第 ', i.line, ' 行「', h('mark', {}, i.text), '」：', i.message)))));
  if ((r.privacy || []).length) out.append(h('div', {class: 'privacy'}, h('b', {}, '个人信息'), h('ul', {}, r.privacy.map(f => {
    const why = h('input', {placeholder: '保留理由（如：单位公开值班电话）', required: true, size: 24});
    return h('li', {'data-privacy': f.kind}, PRIVACY_KIND[f.kind] || f.kind, '「', h('mark', {}, f.text), '」：请删除或打码',
      !live && can(...APPROVERS) && d.status !== '已发布' ? actionForm('放行', [why], () => post('POST', '/drafts/' + encodeURIComponent(d.id) + '/allow', {text: f.text, reason: why.value}), 'quiet') : null);
  }))));
  if ((r.allowed || []).length) out.append(h('div', {class: 'muted'}, '已放行：', r.allowed.map(a => a.text + '（' + a.reason + '）').join('；')));
  if ((r.placeholders || []).length) out.append(h('div', {class: 'placeholders'}, h('b', {}, '待填写'), ' ', r.placeholders.join(' ')));
  return out;
}

// ---- evidence and effect ----
// What a spokesperson reads first: the incident's topics and names, key
// posts, the claims circulating (a claim can be recorded as a 网传 fact to
// verify), the questions people ask, volume and sentiment by hour; after
// publication, the volume and negative share before and after.
const EV = {data: new Map(), at: new Map(), effect: new Map(), effectAt: new Map()};
const CLAIM_KIND = {casualty: '伤亡数字', hearsay: '网传说法', time: '时间', place: '地点'};
function loadEvidence(id, inc) {
  const now = Date.now();
  if (now - (EV.at.get(id) || 0) > 60e3) {
    EV.at.set(id, now);
    api('GET', '/api/v1/incidents/' + encodeURIComponent(id) + '/evidence').then(o => EV.data.set(id, o), x => EV.data.set(id, {error: x.message})).finally(scheduleRender);
  }
  if ((inc.releases || []).length && now - (EV.effectAt.get(id) || 0) > 60e3) {
    EV.effectAt.set(id, now);
    api('GET', '/api/v1/incidents/' + encodeURIComponent(id) + '/effect').then(o => EV.effect.set(id, o), x => EV.effect.set(id, {error: x.message})).finally(scheduleRender);
  }
}
// Releases change the effect at once: fetched again after publication.
function refreshEffect(id) { EV.effectAt.delete(id); }

function mentionLinks(ids) {
  if (!(ids || []).length) return null;
  const list = h('ul', {class: 'mention-list'});
  const d = h('details', {class: 'mentions'}, h('summary', {class: 'muted'}, '查看信息（', ids.length, '）'), list);
  d.addEventListener('toggle', () => {
    if (!d.open || list.childElementCount) return;
    for (const mid of ids) {
      const li = h('li', {class: 'muted'}, '加载中…');
      list.append(li);
      api('GET', '/api/v1/mentions/' + encodeURIComponent(mid)).then(m => li.replaceChildren(h('span', {class: 'muted'}, PLATFORMS[m.platform] || m.platform || '', ' · ', m.author || '', ' · ', fmt(m.published_at), '：'), clip(m.text || '', 120)))
        .catch(x => li.replaceChildren(h('span', {class: 'error'}, x.message)));
    }
  });
  return d;
}

function evidenceCard(inc, post) {
  loadEvidence(inc.id, inc);
  const ev = EV.data.get(inc.id);
  const card = h('div', {class: 'card', id: 'evidence'}, h('h3', {}, '舆情证据'));
  if (!ev) { card.append(h('div', {class: 'muted'}, '加载中…')); return card; }
  if (ev.error || ev.empty) { card.append(h('div', {class: ev.error ? 'error' : 'muted'}, ev.error || ev.empty)); return card; }
  const kp = ev.key_posts || {};
  const postRow = (p) => p && h('li', {}, h('span', {class: 'muted'}, PLATFORMS[p.platform] || p.platform, ' · ', p.author || '', ' · ', fmt(p.published_at), ' · ', p.why, '：'), p.excerpt, ' ', mentionLinks([p.id]));
  const hours = ev.series || [];
  const maxH = Math.max(1, ...hours.map(x => x.mentions));
  card.append(...[
    h('div', {class: 'muted'}, fmt(ev.from), ' 至 ', fmt(ev.to), ' · 共 ', ev.total, ' 条信息', ev.sampled ? '（逐条分析取最新 ' + ev.listed + ' 条）' : ''),
    (ev.reasons || []).length ? h('div', {class: 'ev-reasons'}, h('b', {}, '预警依据：'), [...new Set(ev.reasons)].slice(0, 6).join('；')) : null,
    h('div', {class: 'ev-topics'}, (ev.topics || []).map(t => h('div', {class: 'ev-topic'}, h('a', {class: 'headline', href: '#/topic/' + encodeURIComponent(t.id)}, t.headline || '未命名话题'),
      h('span', {class: 'muted'}, ' ', t.mentions, ' 条 · ', (t.platforms || []).map(p => (PLATFORMS[p.platform] || p.platform) + ' ' + p.count).join('、')), chips(t.entities, 10)))),
    hours.length ? h('div', {class: 'ev-series', title: '逐小时声量，红色为负面'}, hours.map(x => {
      const scored = (x.neg || 0) + (x.neu || 0) + (x.pos || 0);
      return h('span', {class: 'bar', style: 'height:' + Math.max(2, 60 * x.mentions / maxH) + 'px', title: fmt(x.start) + '：' + x.mentions + ' 条' + (scored ? '，负面 ' + Math.round(100 * x.neg / scored) + '%' : '')},
        h('span', {class: 'neg', style: 'height:' + (scored ? 100 * x.neg / scored : 0) + '%'}));
    })) : null,
    h('h4', {}, '关键帖子'),
    h('ul', {class: 'key-posts'}, postRow(kp.first), (kp.official || []).map(postRow), (kp.most_spread || []).map(postRow), (kp.most_negative || []).map(postRow)),
    (ev.claims || []).length ? h('div', {}, h('h4', {}, '网传说法（核实后方可写入稿件）'), h('table', {class: 'claims'}, h('tr', {}, ['类型', '说法', '信息数', '首见', ''].map(x => h('th', {}, x))),
      ev.claims.slice(0, 12).map(c => h('tr', {class: c.conflicting ? 'conflict' : ''}, h('td', {}, CLAIM_KIND[c.kind] || c.kind), h('td', {}, c.text, c.conflicting ? h('span', {class: 'tag kw'}, '说法不一：' + (c.conflicts_with || []).join('、')) : null, c.official ? h('span', {class: 'tag'}, '官方') : null),
        h('td', {}, c.count), h('td', {class: 'muted'}, fmt(c.first_seen)),
        h('td', {}, can(...FACTS) ? h('button', {class: 'act quiet', onclick: () => post('POST', '/facts', {kind: 'claim', text: c.text, source: '网传（' + c.count + ' 条信息）', mentions: c.mention_ids || []}).catch(() => {})}, '记为待核实') : null, mentionLinks(c.mention_ids)))))) : null,
    (ev.questions || []).length ? h('div', {}, h('h4', {}, '公众提问（发布会问答可据此准备）'), h('ol', {class: 'questions'}, ev.questions.slice(0, 8).map(q => h('li', {}, q.question, h('span', {class: 'muted'}, '（', q.count, ' 条）'), mentionLinks(q.mention_ids))))) : null,
    (ev.notes || []).length ? h('div', {class: 'muted'}, '说明：', ev.notes.join('；')) : null].filter(Boolean));
  return card;
}

function effectCard(inc) {
  if (!(inc.releases || []).length) return null;
  const ef = EV.effect.get(inc.id);
  const card = h('div', {class: 'card', id: 'effect'}, h('h3', {}, '回应效果'));
  if ((inc.secondary || []).length) card.append(h('div', {class: 'secondary', role: 'alert'}, h('b', {}, '次生舆情'),
    h('ul', {}, inc.secondary.map(x => h('li', {}, fmt(x.at), ' ', x.reason, ' ', mentionLinks(x.mention_ids))))));
  if (!ef) { card.append(h('div', {class: 'muted'}, '计算中…')); return card; }
  if (ef.error || ef.empty) { card.append(h('div', {class: ef.error ? 'error' : 'muted'}, ef.error || ef.empty)); return card; }
  const pct = (x) => Math.round(100 * x) + '%';
  // A rate over minutes says nothing: per hour only once half an hour has passed.
  const rate = (s) => (Date.parse(s.to) - Date.parse(s.from)) >= 1800e3 ? (s.per_hour || 0).toFixed(1) : '—';
  const side = (s, cls) => h('td', {class: cls}, h('b', {}, s.mentions), ' 条', h('div', {class: 'muted'}, '每小时 ', rate(s), ' 条 · 负面 ', s.scored ? pct(s.neg_share) : '—'));
  card.append(...[h('div', {}, '首次发布：', fmt(ef.published_at), ' · ', h('b', {}, ef.verdict || '数据不足，暂不能判断')),
    h('table', {class: 'effect'}, h('tr', {}, ['窗口', '发布前', '发布后', '结论'].map(x => h('th', {}, x))),
      (ef.windows || []).map(w => h('tr', {'data-window': w.hours + 'h'}, h('td', {}, w.hours, ' 小时', w.partial ? h('div', {class: 'muted'}, '（发布后未满，按已过时间比较）') : null),
        side(w.before, 'before'), side(w.after, 'after'), h('td', {}, w.verdict || '—')))),
    (ef.new_topics || []).length ? h('div', {}, h('b', {}, '发布后出现的相关话题（疑似次生舆情）：'), h('ul', {}, ef.new_topics.map(t => h('li', {}, h('a', {href: '#/topic/' + encodeURIComponent(t.id)}, (t.label || []).slice(0, 4).join(' · ')), h('span', {class: 'muted'}, ' ', t.mentions, ' 条 · 相同词：', (t.matched_by || []).join('、')))))) : null].filter(Boolean));
  return card;
}

// ---- 口径库 ----
// Approved wording by category and unit, versioned, valid for a period,
// with an owner; spokespeople propose, someone else approves. A draft
// inserts an entry's text with its citation [口径:ID@版本].
const WD = {list: null, at: 0, q: ''};
function loadWording(force) {
  if (!force && Date.now() - WD.at < 15e3) return;
  WD.at = Date.now();
  api('GET', '/api/v1/wording?all=1').then(o => { WD.list = o; }, x => { WD.list = {error: x.message}; }).finally(scheduleRender);
}
function viewWording() {
  loadWording(false);
  const root = h('div', {id: 'wording'});
  const cats = (WD.list && WD.list.categories) || ['其他'];
  if (can(...WRITERS)) {
    const cat = h('select', {name: 'category'}, cats.map(c => h('option', {value: c}, c)));
    const unit = h('input', {name: 'unit', placeholder: '市应急管理局', required: true});
    const title = h('input', {name: 'title', placeholder: '危化品泄漏处置口径', required: true, size: 24});
    const text = h('textarea', {name: 'text', placeholder: '经批准可对外使用的表述', required: true});
    const doc = h('input', {name: 'doc', placeholder: '依据文件号或链接（如 国办发〔2016〕61号）', size: 30});
    const until = dateInput('until');
    root.append(h('div', {class: 'card'}, h('h3', {}, '新建口径'),
      actionForm('提交审批', [field('类别', cat), field('责任单位', unit), field('标题', title), field('有效期至（可空）', until), field('依据', doc), field('正文', text)], async () => {
        const body = {category: cat.value, unit: unit.value, title: title.value, text: text.value, citations: []};
        if (doc.value.trim()) body.citations.push(/^https?:/.test(doc.value) ? {kind: 'url', ref: doc.value.trim()} : {kind: 'document', ref: doc.value.trim()});
        if (until.value) body.valid_until = new Date(until.value + 'T00:00:00+08:00').toISOString();
        await api('POST', '/api/v1/wording', body); loadWording(true);
      })));
  }
  const card = h('div', {class: 'card'}, h('h3', {}, '口径库'));
  const l = WD.list;
  if (!l) card.append(h('div', {class: 'muted'}, '加载中…'));
  else if (l.error) card.append(h('div', {class: 'error'}, l.error));
  else if (!(l.entries || []).length) card.append(h('div', {class: 'muted'}, '口径库为空。'));
  else card.append(h('table', {id: 'wording-list'}, h('tr', {}, ['标题', '类别 · 单位', '状态', '有效期', '正文', ''].map(x => h('th', {}, x))),
    l.entries.map(e => {
      const v = e.versions[e.versions.length - 1];
      const approved = e.versions.find(x => x.status === '已批准');
      return h('tr', {'data-wording': e.id}, h('td', {}, h('b', {}, v.title), h('div', {class: 'muted'}, '第 ', v.number, ' 版 · ', (l.names || {})[v.owner] || v.owner, v.approved_by ? ' · ' + ((l.names || {})[v.approved_by] || v.approved_by) + '批准' : '')),
        h('td', {}, v.category, ' · ', v.unit), h('td', {}, h('span', {class: 'tag'}, v.status), approved && approved !== v ? h('div', {class: 'muted'}, '生效：第 ' + approved.number + ' 版') : null),
        h('td', {class: 'muted'}, v.valid_from ? fmt(v.valid_from) : '批准起', ' 至 ', v.valid_until ? fmt(v.valid_until) : '停用'),
        h('td', {class: 'rep'}, clip(v.text, 80)),
        h('td', {}, v.status === '草稿' && can(...APPROVERS, ...SIGNERS) ? h('button', {class: 'act', onclick: () => api('POST', '/api/v1/wording/' + encodeURIComponent(e.id) + '/approve', {version: v.number}).then(() => loadWording(true), x => flash(x.message))}, '批准') : null,
          approved && can(...APPROVERS, ...SIGNERS) ? h('button', {class: 'act quiet', onclick: () => { const why = prompt('停用理由'); if (why) api('POST', '/api/v1/wording/' + encodeURIComponent(e.id) + '/retire', {reason: why}).then(() => loadWording(true), x => flash(x.message)); }}, '停用') : null));
    })));
  root.append(card);
  return root;
}

// wordingPicker searches approved 口径 and inserts one into the editor.
function wordingPicker() {
  const q = h('input', {placeholder: '检索口径（如：泄漏 疏散）', size: 24, name: 'wq'});
  const out = h('div', {class: 'wording-hits'});
  const go = async () => {
    try {
      const r = await api('GET', '/api/v1/wording?q=' + encodeURIComponent(q.value));
      out.replaceChildren(...((r.hits || []).length ? r.hits.slice(0, 5).map(x => h('div', {class: 'hit'}, h('b', {}, x.version.title), ' ', h('span', {class: 'muted'}, x.version.unit, ' · 第 ', x.version.number, ' 版'),
        h('div', {class: 'muted'}, clip(x.insert, 60)), h('button', {class: 'act quiet', type: 'button', onclick: () => insertText(x.insert.replace(/[。\s]*$/, '') + '。[口径:' + x.id + '@' + x.version.number + ']')}, '插入'))) : [h('span', {class: 'muted'}, '没有匹配的已批准口径。')]));
    } catch (x) { out.replaceChildren(h('span', {class: 'error'}, x.message)); }
  };
  q.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); go(); } });
  return h('details', {class: 'picker'}, h('summary', {}, '插入口径'), q, h('button', {class: 'act quiet', type: 'button', onclick: go}, '检索'), out);
}
function insertText(t) {
  const ed = document.getElementById('draft-text');
  if (!ed) return;
  const at = ed.selectionEnd ?? ed.value.length;
  ed.value = ed.value.slice(0, at) + t + ed.value.slice(at);
  ed.focus(); ed.selectionStart = ed.selectionEnd = at + t.length;
  ed.dispatchEvent(new Event('input'));
}
