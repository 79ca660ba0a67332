'use strict';
// 政策研判: the opinion-risk assessment of a draft policy before it is
// published (重要政策文件出台前的舆情风险研判). Paste a draft or choose a .txt
// or .docx; the assessment shows its level with the evidence, the subjects
// with the sentences that trigger them, similar past opinion, likely
// questions, the points the interpretation must cover (缺失 flagged) and the
// monitoring scheme for the release window. 标记已发布 applies that scheme
// (policy-<id>, from the release day, 14 days by default); afterwards the
// page shows what happened (发布后): volume and sentiment by day, topics,
// and the questions actually asked against those predicted.
// Uses app.js's h, api, fmt, flash, field, clip, mix, scheduleRender and S;
// workbench.js's can.

const PO = {list: null, loadedAt: 0, loading: false, one: new Map(), pending: new Set(), file: null, busy: false, error: '',
  draft: {title: '', unit: '', release_at: '', text: ''}};
const LEVEL_CLASS = {'高': 'g2', '中': 'g3', '低': 'g4'};
const levelTag = (l) => h('span', {class: 'grade ' + (LEVEL_CLASS[l] || 'g0'), 'data-level': l || ''}, '风险' + (l || '—'));
const bjDay = (t) => t ? new Date(t).toLocaleDateString('zh-CN', {timeZone: 'Asia/Shanghai'}) : '—';
const bjDate = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
const pct = (x) => Math.round((x || 0) * 100) + '%';
const wrap = 'overflow-wrap:anywhere;word-break:break-word';
// A field with its label above it, outside app.css's form.inline.
const above = (label, input) => h('label', {style: 'display:flex;flex-direction:column;font-size:12px;color:var(--muted);min-width:0'}, label, input);

function loadPolicies(force) {
  if (PO.loading || (!force && PO.list && Date.now() - PO.loadedAt < 60e3)) return;
  PO.loading = true;
  api('GET', '/api/v1/policies').then(l => { PO.list = l || []; PO.loadedAt = Date.now(); scheduleRender(); }, () => {}).finally(() => { PO.loading = false; });
}
function loadPolicy(id) {
  if (PO.pending.has(id)) return;
  PO.pending.add(id);
  api('GET', '/api/v1/policies/' + encodeURIComponent(id)).then(o => { o.at = Date.now(); PO.one.set(id, o); scheduleRender(); },
    x => { PO.one.set(id, {error: x.message}); scheduleRender(); }).finally(() => PO.pending.delete(id));
}

// policyAlertLinks is what app.js viewAlerts shows of an alert raised by a
// policy's release scheme: a link back to its assessment.
function policyAlertLinks(a) {
  const ids = (a.scheme_ids || []).filter(s => s.startsWith('policy-')).map(s => s.slice('policy-'.length));
  if (!ids.length) return null;
  loadPolicies();
  return h('div', {class: 'policy-link'}, ids.map(id => {
    const p = (PO.list || []).find(x => x.id === id);
    return h('a', {href: '#/policy/' + encodeURIComponent(id), style: 'margin-right:8px'}, '政策发布监测：' + (p ? p.title || id : id));
  }));
}

// ---- the list and the form ----
function viewPolicies() {
  loadPolicies();
  const root = h('div', {id: 'policies'});
  root.append(h('div', {class: 'card'}, h('h2', {style: 'margin:0 0 4px'}, '政策舆情风险研判'),
    h('div', {class: 'muted'}, '重要政策文件出台前：找出草案触及的热点领域和风险条款，比对历史舆情，给出风险等级及依据、可能提问、解读要点和发布期监测方案；标记发布后自动启用监测方案，并对照预测看实际舆情。')));
  if (can('duty_officer', 'spokesperson', 'leader')) root.append(assessForm());
  const list = PO.list;
  if (!list) { root.append(h('div', {class: 'card muted'}, '加载中…')); return root; }
  if (!list.length) { root.append(h('div', {class: 'card muted', id: 'policies-empty'}, '暂无研判。粘贴或上传政策草案后开始研判。')); return root; }
  root.append(h('div', {class: 'card', id: 'policy-list'}, h('h3', {style: 'margin-top:0'}, '研判记录'), list.map(p => h('div', {class: 'clock', 'data-policy': p.id, style: wrap},
    h('div', {}, levelTag(p.level), ' ', h('a', {class: 'headline', href: '#/policy/' + encodeURIComponent(p.id)}, p.title || '（未命名草案）')),
    h('div', {class: 'muted'}, p.unit || '发文单位未填写', ' · 研判 ', fmt(p.assessed_at), ' · ',
      p.released_at ? ['已发布 ', bjDay(p.released_at), '，监测至 ', bjDay(new Date(new Date(p.active_to) - 1))] : (p.release_at ? '拟 ' + bjDay(p.release_at) + ' 发布' : '未发布'))))));
  return root;
}

function assessForm() {
  // The fields live in PO.draft: a live re-render, or an error after one,
  // keeps what was typed. A file input has no name: nothing restores it.
  const d = PO.draft;
  const keep = (k) => (e) => { d[k] = e.target.value; };
  const title = h('input', {name: 'title', value: d.title, placeholder: '标题（空则取正文首行）', style: 'width:100%', oninput: keep('title')});
  const unit = h('input', {name: 'unit', value: d.unit, placeholder: '发文单位（第一解读部门）', style: 'width:100%', oninput: keep('unit')});
  const when = dateInput('release_at', {value: d.release_at, onchange: keep('release_at')});
  const text = h('textarea', {name: 'text', rows: 10, placeholder: '粘贴草案正文', oninput: keep('text')}, d.text);
  const file = h('input', {type: 'file', accept: '.txt,.docx', style: 'max-width:100%', onchange: (e) => { PO.file = e.target.files[0] || null; scheduleRender(); }});
  const chosen = PO.file ? h('span', {class: 'muted'}, '已选择：', PO.file.name, ' ', h('button', {type: 'button', class: 'act quiet', onclick: () => { PO.file = null; scheduleRender(); }}, '取消')) : null;
  const msg = h('div', {class: PO.busy ? 'muted' : 'error', id: 'assess-msg'}, PO.busy ? '研判中，正在检索历史舆情…' : PO.error);
  const form = h('form', {id: 'assess-form'},
    h('div', {style: 'display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:8px'}, above('标题', title), above('发文单位', unit), above('拟发布日期', when)),
    h('div', {style: 'margin-top:8px'}, above('草案正文', text)),
    h('div', {style: 'margin:6px 0'}, h('span', {class: 'muted'}, '或上传 .txt / .docx（不超过 5 MB）：'), file, chosen),
    h('button', {class: 'act', type: 'submit', disabled: PO.busy}, PO.busy ? '研判中…' : '开始研判'), msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (PO.busy) return;
    PO.busy = true; PO.error = ''; msg.textContent = '研判中，正在检索历史舆情…'; msg.className = 'muted';
    try {
      const out = PO.file ? await uploadDraft(PO.file, {title: d.title, unit: d.unit, release_at: d.release_at})
        : await api('POST', '/api/v1/policies/assess', {title: d.title, unit: d.unit, release_at: d.release_at || undefined, text: d.text});
      PO.file = null; PO.draft = {title: '', unit: '', release_at: '', text: ''};
      PO.one.set(out.id, {policy: out.policy, after: out.after, links: out.links, names: out.names, at: Date.now()});
      loadPolicies(true);
      location.hash = '#/policy/' + encodeURIComponent(out.id);
    } catch (x) {
      PO.error = x.message;
    } finally { PO.busy = false; scheduleRender(); }
  });
  return h('div', {class: 'card'}, h('h3', {style: 'margin-top:0'}, '研判草案'), form);
}

async function uploadDraft(file, fields) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v) fd.append(k, v);
  fd.append('file', file);
  const resp = await fetch('/api/v1/policies/assess', {method: 'POST', headers: {'X-CSRF-Token': S.csrf}, body: fd});
  if (resp.status === 401) { location.href = '/login'; throw new Error('请先登录'); }
  const out = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(out.error || ('请求失败（' + resp.status + '）'));
  return out;
}

// ---- one assessment ----
function viewPolicy(id) {
  const nav = document.querySelector('#nav a[data-view="policies"]');
  if (nav) nav.classList.add('active');
  const o = PO.one.get(id);
  if (!o) { loadPolicy(id); return h('div', {class: 'card muted'}, '加载中…'); }
  if (Date.now() - (o.at || 0) > 30e3) loadPolicy(id); // shown as it was, refreshed behind
  if (o.error) return h('div', {class: 'card error'}, o.error, ' ', h('a', {href: '#/policies'}, '返回研判列表'));
  const p = o.policy, a = p.assessment || {}, names = o.names || {};
  const who = (x) => names[x] || (x || '').replace(/^user:/, '');
  const root = h('div', {id: 'policy', 'data-id': p.id, style: wrap});
  root.append(h('div', {class: 'card'}, h('div', {class: 'muted'}, h('a', {href: '#/policies'}, '政策研判'), ' / ', p.id),
    h('h2', {class: 'headline'}, a.title || '（未命名草案）'),
    h('div', {}, levelTag(a.level), ' ', h('span', {class: 'muted'}, '评分 ', a.score, '（≥8 为高，≥4 为中）')),
    h('div', {class: 'muted'}, '发文单位：', a.unit || '未填写', ' · 拟发布：', a.release_at ? bjDay(a.release_at) : '未定',
      ' · 研判：', fmt(a.assessed_at), ' ', who(p.assessed_by), p.assessments > 1 ? '（第 ' + p.assessments + ' 次）' : '', ' · 词表 v', (a.list || {}).version),
    h('div', {style: 'margin-top:6px'}, '导出：', h('a', {class: 'dl', href: (o.links || {}).docx, download: ''}, 'Word'), h('a', {class: 'dl', href: (o.links || {}).md, download: ''}, 'Markdown'), h('a', {class: 'dl', href: (o.links || {}).json, download: ''}, 'JSON'))));

  root.append(h('div', {class: 'card', id: 'policy-evidence'}, h('h3', {style: 'margin-top:0'}, '风险等级与依据'),
    h('ol', {}, (a.evidence || []).map(r => h('li', {}, h('span', {class: 'tag' + (r.points > 0 ? ' kw' : '')}, r.kind, r.points ? ' +' + r.points : ''), r.text)))));

  const trig = (ts) => h('ul', {}, (ts || []).map(t => h('li', {}, h('span', {class: 'muted'}, '第', t.sentence, '句', t.article ? '（' + t.article + '）' : '', '：'), t.text, ' ',
    (t.terms || []).map(x => h('span', {class: 'tag kw'}, x)))));
  root.append(h('div', {class: 'card', id: 'policy-subjects'}, h('h3', {style: 'margin-top:0'}, '涉及领域与触发语句'),
    (a.subjects || []).length ? a.subjects.map(s => h('div', {class: 'ev-topic'}, h('b', {}, s.name), h('span', {class: 'muted'}, ' 敏感权重 ', s.weight, ' · 受影响群体：'),
      (s.groups || []).map(g => h('span', {class: 'tag'}, g)), trig(s.triggers))) : h('div', {class: 'muted'}, '未触及词表中的热点领域。'),
    (a.cues || []).length ? h('div', {}, h('h4', {}, '风险条款'), a.cues.map(c => h('div', {class: 'ev-topic'}, h('b', {}, c.name), c.max_rise ? h('span', {class: 'muted'}, ' 最大涨幅 ', Math.round(c.max_rise), '%') : null, trig(c.triggers)))) : null));

  const hist = a.history || {};
  root.append(h('div', {class: 'card', id: 'policy-history'}, h('h3', {style: 'margin-top:0'}, '相关历史舆情'),
    h('div', {class: 'muted'}, hist.note || ''),
    (hist.topics || []).length ? h('ul', {}, hist.topics.map(t => h('li', {}, h('a', {href: '#/topic/' + encodeURIComponent(t.id)}, (t.label || []).join('、') || t.id),
      h('span', {class: 'muted'}, ' 相似度 ', (t.similarity || 0).toFixed(2), ' · ', t.mentions, ' 条 · 每小时最多 ', t.peak_hourly, ' · 负面 ', pct(t.neg_share),
        t.grade_name ? ' · ' + t.grade_name : '', ' · 首发 ', fmt(t.first_time)), t.answer ? h('div', {class: 'muted'}, '回应：', t.answer) : null))) : (hist.searched ? h('div', {class: 'muted'}, '未发现相似话题。') : null),
    (p.precedents || []).length ? h('div', {}, h('h4', {}, '往期同类政策（发布后情况）'), h('ul', {id: 'policy-precedents'}, p.precedents.map(x => h('li', {},
      h('a', {href: '#/policy/' + encodeURIComponent(x.id)}, x.title || x.id), ' ', levelTag(x.level),
      h('div', {class: 'muted'}, bjDay(x.released_at), ' 发布 · ', x.why, x.days ? ' · 发布后 ' + x.days + ' 天相关信息 ' + x.mentions + ' 条，负面 ' + pct(x.neg_share) : ''),
      (x.asked || []).length ? h('div', {class: 'muted'}, '实际提问：', x.asked.map(q => q.question + '（' + q.count + '）').join('；')) : null)))) : null));

  root.append(h('div', {class: 'card', id: 'policy-questions'}, h('h3', {style: 'margin-top:0'}, '可能提问（问答口径框架）'),
    (a.questions || []).length ? h('ol', {class: 'questions'}, a.questions.map(q => h('li', {}, h('b', {}, q.question),
      h('div', {class: 'muted'}, '来源：', q.source, q.subject ? '（' + q.subject + '）' : '', q.topic_id ? '（话题 ' + q.topic_id + '，' + q.asked + ' 条提问）' : '',
        q.source === '往期政策' && q.asked ? '，' + q.asked + ' 条提问' : '', q.sentence ? '；相关语句：第' + q.sentence + '句“' + clip(q.sentence_text, 40) + '”' : ''),
      h('div', {}, '答：', h('span', {class: 'muted'}, q.answer)), q.reference ? h('div', {class: 'muted'}, '参考口径：', q.reference) : null))) : h('div', {class: 'muted'}, '无。')));

  root.append(h('div', {class: 'card', id: 'policy-points'}, h('h3', {style: 'margin-top:0'}, '解读要点'),
    (a.points || []).map(pt => h('div', {class: 'clock' + (pt.missing ? ' breached' : ''), style: pt.missing ? null : 'border-color:var(--green)', 'data-point': pt.name},
      h('div', {}, h('b', {}, pt.name), ' ', h('span', {class: pt.missing ? 'blind' : 'ok'}, pt.status)),
      h('div', {class: 'muted'}, pt.ask),
      (pt.sentences || []).map(s => h('div', {}, h('span', {class: 'muted'}, '第', s.index, '句', s.article ? '（' + s.article + '）' : '', '：'), s.text)),
      pt.missing && pt.advice ? h('div', {class: 'error'}, pt.advice) : null))));

  root.append(schemeCard(p, a, o));
  if (p.released_at) root.append(afterCard(o.after));
  return root;
}

function schemeCard(p, a, o) {
  const sc = a.scheme || {}, live = o.scheme;
  const days = Math.round((new Date(a.window_to) - new Date(a.window_from)) / 86400e3) || 14;
  const card = h('div', {class: 'card', id: 'policy-scheme'}, h('h3', {style: 'margin-top:0'}, '发布期监测方案'),
    h('div', {}, h('b', {}, sc.name), h('span', {class: 'muted'}, ' · ', 'policy-' + p.id)),
    h('div', {}, '规则：', h('code', {style: wrap}, sc.rule)),
    Object.entries(sc.groups || {}).map(([g, ts]) => h('div', {}, h('span', {class: 'muted'}, '@', g, '：'), ts.map(t => h('span', {class: 'tag'}, t)))),
    (sc.exclude || []).length ? h('div', {}, h('span', {class: 'muted'}, '排除词：'), sc.exclude.join('、')) : null,
    p.released_at
      ? h('div', {class: 'ok', id: 'policy-released'}, '已于 ', fmt(p.released_at), ' 标记发布（', (o.names || {})[p.released_by] || (p.released_by || '').replace(/^user:/, ''), '），监测方案',
        live ? '已启用（v' + live.version + '）' : '已不在监测方案列表中（可能已被删除）', '：', bjDay(p.active_from), ' 至 ', bjDay(new Date(new Date(p.active_to) - 1)), '，共 ', p.window_days, ' 天 · ',
        h('a', {href: '#/schemes'}, '查看监测方案'))
      : h('div', {class: 'muted'}, '计划监测：', bjDay(a.window_from), ' 起 ', days, ' 天；标记发布后按实际发布日启用。'));
  if (!p.released_at && can('spokesperson', 'leader')) {
    const when = dateInput('released_at', {value: bjDate(), max: bjDate(), required: true});
    const win = h('input', {name: 'window_days', type: 'number', min: 1, max: 90, value: days, required: true, style: 'width:6em'});
    card.append(h('h4', {}, '标记已发布'), actionForm('标记已发布', [field('发布日期', when), field('监测天数', win)], async () => {
      // Today is now; another day is that day (its 00:00, Beijing).
      await api('POST', '/api/v1/policies/' + encodeURIComponent(p.id) + '/release', {released_at: when.value === bjDate() ? new Date().toISOString() : when.value, window_days: +win.value});
      flash('已标记发布，监测方案已启用');
      loadPolicies(true);
      loadPolicy(p.id);
    }));
  }
  return card;
}

function afterCard(af) {
  const card = h('div', {class: 'card', id: 'policy-after'}, h('h3', {style: 'margin-top:0'}, '发布后'));
  if (!af) { card.append(h('div', {class: 'muted'}, '暂无数据。')); return card; }
  const max = Math.max(1, ...(af.days || []).map(d => d.mentions));
  card.append(h('div', {},
    h('div', {}, af.open ? '监测中' : '监测已结束', '，统计至 ', fmt(af.to), '：命中监测方案 ', h('b', {}, af.mentions), ' 条',
      af.peak && af.peak.mentions ? '，单日最多 ' + af.peak.mentions + ' 条（' + af.peak.day + '）' : '', '；负面 ', af.neg, '、中性 ', af.neu, '、正面 ', af.pos, '，负面占比 ', pct(af.neg_share), '。'),
    mix({neg: af.neg, neu: af.neu, pos: af.pos}),
    (af.notes || []).map(n => h('div', {class: 'muted'}, n)),
    (af.days || []).length ? h('div', {class: 'ev-series', title: '每日信息量（红色为负面）'}, af.days.map(d => h('div', {class: 'bar', title: d.day + '：' + d.mentions + ' 条，负面 ' + d.neg,
      style: 'height:' + Math.max(2, 100 * d.mentions / max) + '%'}, h('span', {class: 'neg', style: 'height:' + (d.mentions ? 100 * Math.min(d.neg, d.mentions) / d.mentions : 0) + '%'})))) : null,
    (af.days || []).length ? h('div', {class: 'muted'}, af.days[0].day, ' 至 ', af.days[af.days.length - 1].day, ' 每日信息量') : null));
  if ((af.topics || []).length) card.append(h('div', {}, h('h4', {}, '主要话题'), h('ul', {}, af.topics.map(t => h('li', {}, h('a', {href: '#/topic/' + encodeURIComponent(t.id)}, (t.label || []).join('、') || t.id),
    h('span', {class: 'muted'}, ' 命中 ', t.matched, ' 条 · 负面 ', pct(t.neg_share), t.grade_name ? ' · ' + t.grade_name : ''))))));
  const q = af.questions || {};
  const asked = (x) => '“' + x.question + '”（' + x.count + ' 条）';
  card.append(h('div', {}, h('h4', {}, '实际提问与预测对比'), q.compared ? null : h('div', {class: 'muted'}, '分词器加载中，暂未比对。'),
    h('div', {id: 'after-matched'}, h('b', {}, '预测且被问到（', (q.matched || []).length, '）'), h('ul', {}, (q.matched || []).map(m => h('li', {}, m.predicted,
      h('div', {class: 'muted'}, '实际：', m.asked.map(asked).join('；'), ' · 共同词：', (m.shared || []).join('、')))))),
    h('div', {id: 'after-unpredicted'}, h('b', {}, '被问到但未预测（', (q.unpredicted || []).length, '）'), h('ul', {}, (q.unpredicted || []).map(x => h('li', {}, asked(x))))),
    h('div', {id: 'after-unasked'}, h('b', {}, '预测但未被问到（', (q.unasked || []).length, '）'), h('ul', {class: 'muted'}, (q.unasked || []).map(x => h('li', {}, x.question))))));
  return card;
}
