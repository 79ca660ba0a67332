'use strict';
// 舆情监测与回应 console: one page, a websocket for live state, the REST API
// for actions. Everything user-supplied is set with textContent.

const ROLE_NAMES = {duty_officer: '值班员', spokesperson: '发言人', approver: '审核', leader: '领导', admin: '管理员'};
const S = {alerts: new Map(), story: new Map(), topics: new Map(), incidents: new Map(), workorders: new Map(), sources: new Map(),
  cursor: {}, me: null, csrf: sessionStorage.getItem('yuqing-csrf') || ''};
const GRADES = {0: '未定级', 1: 'I 特别重大', 2: 'II 重大', 3: 'III 较大', 4: 'IV 一般'};
const CLOCKS = {statement: '发布权威信息', press_conference: '召开新闻发布会', response: '回应', follow_up: '持续发布', sign: '签收', answer: '答复'};
const LIFECYCLE = {emerging: '萌发', rising: '上升', peak: '高峰', declining: '回落', dormant: '沉寂'};
const PLATFORMS = {weibo: '微博', wechat: '微信', forum: '论坛', news: '新闻', hotline: '12345', messageboard: '留言板', web: '网站', douyin: '抖音', video: '视频'};

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat()) if (kid != null && kid !== false) el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  return el;
}
// Every time is shown, and typed, in Beijing time, whatever the browser's zone.
const fmt = (t) => t ? new Date(t).toLocaleString('zh-CN', {hour12: false, timeZone: 'Asia/Shanghai'}) : '—';
const gradeTag = (g) => h('span', {class: 'grade g' + (g || 0)}, GRADES[g || 0]);
const drillTag = (d) => d ? h('span', {class: 'drill'}, '演练') : null;

// ---- titles and names ----
// A topic or an alert is titled by its headline (标题); its keywords (关键词)
// are shown smaller beside it, its names as chips. Without a headline, the
// keywords are the title.
const keywords = (x, n) => ((x && x.label) || []).slice(0, n || 5).join(' · ');
const titleOf = (x) => (x && (x.headline || keywords(x))) || '';
const topicOf = (a) => (a && a.topic_id && S.topics.get(a.topic_id)) || null;
// An alert raised before headlines existed borrows its topic's.
const alertHeadline = (a) => (a && (a.headline || (topicOf(a) || {}).headline)) || '';
const alertTitle = (a) => alertHeadline(a) || titleOf(a);
const alertNames = (a) => (topicOf(a) || {}).entities || (a && a.entities) || [];
const KINDS = {casualty: '伤亡', place: '地点', org: '机构', tag: '话题'};
const kindOf = (k) => Object.hasOwn(KINDS, k) ? k : '';
// Chips of the places, organisations, casualty figures (first: they weigh
// on the grade) and #话题# a topic names, most named first.
function chips(ents, n) {
  const seen = new Set(), list = [];
  for (const e of ents || []) {
    const k = e && e.text && kindOf(e.kind) + '|' + e.text;
    if (k && !seen.has(k)) { seen.add(k); list.push(e); }
  }
  list.sort((a, b) => (b.kind === 'casualty') - (a.kind === 'casualty'));
  if (!list.length) return null;
  return h('div', {class: 'ents'}, list.slice(0, n || 8).map(e => h('span', {class: ('ent ' + kindOf(e.kind)).trim(), title: (KINDS[kindOf(e.kind)] || '名称') + '：' + e.text}, e.text)));
}
// kwLine shows the keywords under a headline; nothing when they are the title.
const kwLine = (x, n) => x && x.headline && keywords(x, n) ? h('div', {class: 'kws'}, '关键词：', keywords(x, n)) : null;

async function api(method, path, body) {
  const resp = await fetch(path, {method, headers: {'Content-Type': 'application/json', 'X-CSRF-Token': S.csrf},
    body: body === undefined ? undefined : JSON.stringify(body)});
  if (resp.status === 401) { location.href = '/login'; throw new Error('请先登录'); }
  const out = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(out.error || ('请求失败（' + resp.status + '）'));
  return out;
}

// ---- live state over the websocket ----
let ws, backoff = 500;
function connect() {
  const q = Object.keys(S.cursor).length ? '?cursor=' + btoa(JSON.stringify(S.cursor)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : '';
  ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/v1/console' + q);
  ws.onopen = () => { backoff = 500; setConn('已连接', 'ok'); };
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.type === 'snapshot') { applySnapshot(m); ATT.live = true; }
    else if (m.type === 'delta' || m.type === 'deltas') for (const d of m.deltas || [m.delta]) { applyDelta(d); noticeDelta(d); }
    else if (m.type === 'resumed') { S.cursor = m.cursor || S.cursor; }
    scheduleRender();
  };
  ws.onclose = (ev) => {
    setConn('连接断开，' + Math.round(backoff / 1000) + ' 秒后重连' + (ev.reason ? '（' + ev.reason + '）' : ''), 'error');
    setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, 15000);
  };
}
function setConn(text, cls) {
  const c = document.getElementById('conn'); c.textContent = text; c.className = cls;
  document.body.classList.toggle('offline', cls === 'error'); // the page says its countdowns may be stale
}

function applySnapshot(m) {
  const st = m.state || {};
  S.alerts = new Map((st.alerts || []).map(a => [a.id, a]));
  S.story = new Map((st.alerts || []).map(a => [a.id, a.story || {}]));
  S.topics = new Map((st.topics || []).map(t => [t.id, t]));
  S.incidents = new Map((st.incidents || []).map(i => [i.id, i]));
  S.workorders = new Map((st.workorders || []).map(w => [w.id, w]));
  S.sources = new Map((st.sources || []).map(s => [s.source, s]));
  S.cursor = m.cursor || {};
}

let refreshIncidents = null;
function applyDelta(d) {
  S.cursor[d.topic + '/' + d.partition] = d.offset;
  const e = d.event, p = e.payload;
  if (e.type.startsWith('alert.')) { const old = S.alerts.get(p.id); if (old && old.entities && !p.entities) p.entities = old.entities; S.alerts.set(p.id, p); }
  else if (e.type === 'topic.updated.v1') { S.topics.set(p.id, p); const sp = sparks.get(p.id); if (sp && Date.now() - (sp.loaded || 0) > 30e3) loadSpark(p.id); }
  else if (e.type === 'topic.retired.v1') S.topics.delete(p.id);
  else if (e.type === 'source.health.v1') S.sources.set(p.source, p);
  else if (e.type.startsWith('incident.') || e.type.startsWith('statement.')) {
    if (e.type.startsWith('statement.') && WB.data.has(e.key)) loadWorkbench(e.key);
    clearTimeout(refreshIncidents);
    refreshIncidents = setTimeout(async () => {
      try { for (const i of await api('GET', '/api/v1/incidents')) S.incidents.set(i.id, i); scheduleRender(); } catch (x) {}
    }, 150);
  } else if (e.type.startsWith('workorder.')) {
    api('GET', '/api/v1/workorders/' + encodeURIComponent(e.key)).then(w => { S.workorders.set(w.id, w); scheduleRender(); }).catch(() => {});
  }
}

// ---- rendering ----
let pending = false;
function scheduleRender() { if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; render(); }); } }
// A click must land on the element pressed: no re-render between the
// press and the release (a live update would replace the button).
let pointerDown = false;
document.addEventListener('pointerdown', () => { pointerDown = true; }, true);
document.addEventListener('pointerup', () => setTimeout(() => { pointerDown = false; scheduleRender(); }, 0), true);
function render() {
  if (pointerDown) { tick(); return; }
  const [, view, id] = (location.hash || '#/alerts').split('/');
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.view === view || (view === 'incident' && a.dataset.view === 'incidents') || (view === 'topic' && a.dataset.view === 'topics'));
  const v = document.getElementById('view');
  // Keep forms the user is typing in: only re-render views without open input
  // (another page asked for, from the address bar or a script, is shown at once).
  if (location.hash === renderedHash && v.contains(document.activeElement) && ['INPUT', 'TEXTAREA', 'SELECT'].includes(document.activeElement.tagName)) { tick(); return; }
  // What the user chose or typed in a form survives a re-render of the same
  // page (a live update must not reset a grade just picked); a form just
  // sent starts empty again.
  const saved = location.hash === renderedHash ? formValues(v) : [];
  renderedHash = location.hash;
  v.replaceChildren(({alerts: () => viewAlerts(decodeURIComponent(id || '')), topics: viewTopics, topic: () => viewTopic(decodeURIComponent(id || '')),
    incidents: viewIncidents, incident: () => viewIncident(decodeURIComponent(id || '')), workorders: viewWorkOrders,
    sources: viewSources, schemes: viewSchemes, reports: viewReports, wording: viewWording, overview: viewOverview,
    policies: viewPolicies, policy: () => viewPolicy(decodeURIComponent(id || '')), search: viewSearch, handover: viewHandover}[view] || viewAlerts)());
  const forms = v.querySelectorAll('form');
  for (const [i, name, value] of saved) {
    const el = forms[i] && forms[i].elements[name];
    if (el && 'value' in el) el.value = value;
    if (el && el.classList && el.classList.contains('dt-in')) dtRestored(el); // a refused date stays refused, with its reason
  }
  blindBanner();
  tick();
}
window.addEventListener('hashchange', render);
let renderedHash = null;
// On a phone a table reads as cards (app.css): each cell is labelled with
// its column's header (data-label), in every table a view builds, at
// render or later (a list loaded after, a chart's table redrawn).
function labelCells(root) {
  for (const tb of root.querySelectorAll('table')) {
    let heads = null;
    for (const tr of tb.rows) {
      if (tr.cells.length && [...tr.cells].every(c => c.tagName === 'TH')) { heads = [...tr.cells].map(c => c.textContent.trim()); tr.classList.add('head'); continue; }
      if (heads) [...tr.cells].forEach((c, i) => { if (heads[i] && !c.hasAttribute('data-label')) c.dataset.label = heads[i]; });
    }
  }
}
new MutationObserver((muts) => {
  if (muts.some(m => [...m.addedNodes].some(n => n.nodeType === 1 && (n.matches('table, tr, tbody') || n.querySelector('table'))))) labelCells(document.getElementById('view'));
}).observe(document.getElementById('view'), {childList: true, subtree: true});
// formValues lists [form index, field name, value] of the fields the user
// changed in the view's forms that were not sent since.
function formValues(v) {
  const out = [];
  v.querySelectorAll('form').forEach((f, i) => {
    if (f.dataset.sent) return;
    for (const el of f.elements) {
      if (!el.name || el.type === 'submit' || el.type === 'hidden' || el.type === 'button') continue;
      const changed = el.tagName === 'SELECT' ? [...el.options].some(o => o.selected !== o.defaultSelected) : el.value !== el.defaultValue;
      if (changed) out.push([i, el.name, el.value]);
    }
  });
  return out;
}
document.addEventListener('submit', (ev) => { if (ev.target instanceof HTMLFormElement) ev.target.dataset.sent = '1'; }, true);

// ---- one story, one alert, one incident ----
// An alert that folded into another (merged_into) lives on as its survivor;
// an incident holds every alert and topic of its story (opened from one,
// linked to the others). storyOf keeps both current from the deltas; the
// snapshot's a.story (the server's projection) covers what the browser
// cannot see, such as topics that merged without an alert of their own.
const headline = (a) => alertTitle(a) || '另一条预警';
const openFirst = (p, q) => (p.status === 'open') !== (q.status === 'open') ? p.status === 'open'
  : p.opened_at !== q.opened_at ? new Date(p.opened_at) < new Date(q.opened_at) : p.id < q.id;
function storyOf(a) {
  const srv = S.story.get(a.id) || {};
  let sv = a;
  for (const seen = new Set(); sv.merged_into && !seen.has(sv.id);) {
    seen.add(sv.id);
    sv = S.alerts.get(sv.merged_into) || {id: sv.merged_into, headline: srv.survivor_headline, label: srv.survivor_label};
  }
  const ids = new Set([a.id, sv.id]), topics = new Set([a.topic_id, sv.topic_id].filter(Boolean));
  for (const x of S.alerts.values()) if (x.merged_into && ids.has(x.merged_into)) { ids.add(x.id); if (x.topic_id) topics.add(x.topic_id); }
  let inc = null;
  for (const i of S.incidents.values()) {
    const held = (i.alerts || (i.alert_id ? [i.alert_id] : [])).some(x => ids.has(x)) || (i.topics || []).some(t => topics.has(t));
    if (held && (!inc || openFirst(i, inc))) inc = i;
  }
  if (!inc && srv.incident) inc = S.incidents.get(srv.incident) || {id: srv.incident, title: srv.incident_title};
  return {survivor: sv.id !== a.id ? sv : null, incident: inc};
}

let scrolledTo = ''; // a linked alert is scrolled to once, not at every delta
function viewAlerts(focus) {
  const list = [...S.alerts.values()].sort((a, b) => new Date(b.updated) - new Date(a.updated));
  if (!list.length) return h('div', {class: 'card muted', id: 'alerts-empty'}, '暂无预警。分析到需要关注的舆情时，预警会实时出现在这里。');
  const root = h('div', {id: 'alerts'}, list.map(a => {
    const st = storyOf(a);
    const toSurvivor = st.survivor && h('a', {class: 'survivor', href: '#/alerts/' + encodeURIComponent(st.survivor.id)}, '「' + headline(st.survivor) + '」');
    return h('div', {class: 'card alert' + (st.survivor ? ' merged' : '') + (a.id === focus ? ' focus' : ''), 'data-alert': a.id},
      h('div', {class: 'title-row'}, gradeTag(a.suggested_grade), ' ', drillTag(a.drill), ' ', h('b', {class: 'headline'}, alertTitle(a) || '未命名话题'),
        h('span', {class: 'muted'}, '  ', fmt(a.updated), ' · 第 ', a.version, ' 版 · ', a.mentions, ' 条信息')),
      kwLine({headline: alertHeadline(a), label: a.label}), chips(alertNames(a)),
      st.survivor ? h('div', {}, '已合并至预警 ', toSurvivor, '，后续更新见该预警') : h('div', {}, '原因：', a.reason),
      h('div', {class: 'muted'}, '依据：', (a.suggestion && a.suggestion.reasons || []).map(r => r.detail).join('；') || '—'),
      // 政策研判 (policy.js): an alert of a policy's release scheme (policy-<id>) links back to its assessment.
      typeof policyAlertLinks === 'function' ? policyAlertLinks(a) : null,
      h('div', {},
        st.incident ? [h('a', {class: 'act existing', href: '#/incident/' + encodeURIComponent(st.incident.id)}, '已有事件'), h('span', {class: 'muted'}, st.incident.title || '', ' ')]
          : st.survivor || !can('duty_officer') ? null : h('button', {class: 'act', onclick: () => openIncidentFrom(a)}, '建立事件'),
        h('a', {href: '#/topic/' + encodeURIComponent(a.topic_id)}, '查看话题')));
  }));
  if (focus && focus !== scrolledTo) requestAnimationFrame(() => { const el = root.querySelector('.alert.focus'); if (el) { el.scrollIntoView({block: 'center'}); scrolledTo = focus; } });
  if (!focus) scrolledTo = '';
  return root;
}

async function openIncidentFrom(a) {
  try {
    const out = await api('POST', '/api/v1/incidents', {title: alertHeadline(a) ? clip(alertHeadline(a), 60)
      : (a.label || []).length ? a.label.slice(0, 3).join('、') + ' 相关舆情' : '预警相关舆情', alert_id: a.id,
      topics: [a.topic_id], mentions: a.evidence || [], detected_at: a.raised, drill: !!a.drill});
    // One story, one incident: the server linked the alert to the incident
    // its story already has, and that is where the user goes.
    if (out.existing) flash('已有事件：该预警所属事件已在处置，已为你打开');
    location.hash = '#/incident/' + encodeURIComponent(out.id);
  } catch (x) { alert(x.message); }
}

let flashTimer = null;
function flash(text) {
  const f = document.getElementById('flash');
  f.textContent = text; f.hidden = false;
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => { f.hidden = true; }, 8000);
}

// The topics table's small trend line; a topic's page draws its charts
// with ECharts (topiccharts.js).
function spark(sp) {
  const points = sp && sp.points;
  if (!points || points.length < 2) return h('span', {class: 'muted'}, '—');
  const max = Math.max(...points, 1), w = 120, hgt = 28;
  const d = points.map((p, i) => (i ? 'L' : 'M') + (i * w / (points.length - 1)).toFixed(1) + ' ' + (hgt - p / max * (hgt - 2)).toFixed(1)).join(' ');
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'spark'); svg.setAttribute('viewBox', '0 0 ' + w + ' ' + hgt);
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', d); path.setAttribute('fill', 'none'); path.setAttribute('stroke', '#b71c1c'); path.setAttribute('stroke-width', '1.5');
  svg.append(path);
  return svg;
}
function mix(s) {
  const n = (s.neg || 0) + (s.neu || 0) + (s.pos || 0) || 1;
  return h('div', {class: 'mix', title: '负面 ' + (s.neg || 0) + ' · 中性 ' + (s.neu || 0) + ' · 正面 ' + (s.pos || 0)},
    h('span', {class: 'neg', style: 'width:' + (100 * (s.neg || 0) / n) + '%'}), h('span', {class: 'neu', style: 'width:' + (100 * (s.neu || 0) / n) + '%'}),
    h('span', {class: 'pos', style: 'width:' + (100 * (s.pos || 0) / n) + '%'}));
}
const sparks = new Map();
const clip = (s, n) => [...(s || '')].length > n ? [...s].slice(0, n).join('') + '…' : s;
function viewTopics() {
  const list = [...S.topics.values()].sort((a, b) => (b.heat || 0) - (a.heat || 0));
  if (!list.length) return h('div', {class: 'card muted'}, '暂无活跃话题。');
  return h('div', {class: 'card scroll'}, h('table', {id: 'topics'},
    h('tr', {}, ['排名', '话题', '趋势', '情感', '平台', '首发', '代表性信息', '阶段', '热度'].map(x => h('th', {}, x))),
    list.map((t, i) => {
      if (!sparks.has(t.id)) { sparks.set(t.id, null); loadSpark(t.id); }
      return h('tr', {},
        h('td', {}, i + 1),
        h('td', {class: 'topic'}, drillTag(t.drill), ' ', h('a', {class: 'headline', href: '#/topic/' + encodeURIComponent(t.id)}, titleOf(t) || '未命名话题'),
          kwLine(t, 4), chips(t.entities, 6), h('div', {class: 'muted'}, t.mentions, ' 条 · ', GRADES[(t.suggested || {}).grade || 0])),
        h('td', {}, spark(sparks.get(t.id))), h('td', {}, mix(t.sentiment || {})),
        h('td', {}, Object.entries(t.platforms || {}).map(([p, n]) => h('span', {class: 'tag'}, (PLATFORMS[p] || p) + ' ' + n))),
        h('td', {}, h('div', {}, (t.first || {}).author || '—'), h('div', {class: 'muted'}, fmt((t.first || {}).time))),
        h('td', {class: 'rep'}, ((t.representative || [])[0] || {}).text ? clip(t.representative[0].text, 60) : '—'),
        h('td', {}, LIFECYCLE[t.lifecycle] || t.lifecycle), h('td', {}, (t.heat || 0).toFixed(1)));
    })));
}
// Volume over the topic's life: per minute for a young topic, per hour
// after three hours; empty buckets are zeros, so the line is true to time.
async function loadSpark(id) {
  try {
    const t = S.topics.get(id), now = Date.now();
    const first = t && t.first_time ? Date.parse(t.first_time) : now - 24 * 3600e3;
    const minute = now - first < 3 * 3600e3, step = minute ? 60e3 : 3600e3;
    const from = Math.floor(Math.max(first, now - (minute ? 3 * 3600e3 : 7 * 86400e3)) / step) * step - step; // from the quiet before
    const to = Math.floor(now / step) * step + step;
    const b = await api('GET', '/api/v1/topics/' + encodeURIComponent(id) + '/volume?step=' + (minute ? 'minute' : 'hour') + '&from=' + new Date(from).toISOString() + '&to=' + new Date(to).toISOString());
    const counts = new Map((b || []).map(x => [Date.parse(x.start), x.count]));
    const points = [];
    for (let x = from; x < to; x += step) points.push(counts.get(x) || 0);
    sparks.set(id, {points, from, step, loaded: Date.now()});
    scheduleRender();
  } catch (x) {}
}

// A topic page's stream comes from the store (every mention the topic
// holds), newest first, 50 a page through the search API (加载更多 pages
// back with its cursor). The first page is fetched again at most every 5 s
// while deltas re-render; what it brings new joins the rows shown, so the
// pages loaded stay.
const topicFilter = {platform: '', sentiment: ''};
const topicStreams = new Map();
const STREAM_PAGE = 50;
function streamQuery(e, cursor) {
  const q = new URLSearchParams({topic: e.id, limit: String(STREAM_PAGE), from: new Date(Date.now() - 30 * 86400e3).toISOString(), to: new Date(Date.now() + 86400e3).toISOString()});
  if (e.platform) q.set('platform', e.platform);
  if (e.sentiment) q.set('sentiment', e.sentiment);
  if (cursor) q.set('cursor', cursor);
  return '/api/v1/mentions?' + q;
}
// newestFirst orders mentions as the store lists them.
const newestFirst = (a, b) => Date.parse(b.published_at) - Date.parse(a.published_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
function topicStream(id, onload) {
  const key = id + '|' + topicFilter.platform + '|' + topicFilter.sentiment;
  let e = topicStreams.get(key);
  if (!e) { e = {id, platform: topicFilter.platform, sentiment: topicFilter.sentiment, rows: null, next: '', at: 0, loading: false, more: false}; topicStreams.set(key, e); }
  if (!e.loading && Date.now() - e.at > 5000) {
    e.loading = true;
    api('GET', streamQuery(e, ''))
      .then(p => {
        const items = p.items || [], seen = new Set((e.rows || []).map(m => m.id));
        if (!e.rows || e.rows.length <= STREAM_PAGE || !items.some(m => seen.has(m.id))) { e.rows = items; e.next = p.next || ''; } // one page, or more than a page arrived
        else e.rows = items.filter(m => !seen.has(m.id)).concat(e.rows).sort(newestFirst);
        e.err = null;
      }, x => { e.err = x.message; })
      .finally(() => { e.at = Date.now(); e.loading = false; onload(e); });
  }
  return e;
}
function streamMore(e, onload) {
  if (!e.next || e.more) return;
  e.more = true;
  api('GET', streamQuery(e, e.next)).then(p => {
    const seen = new Set(e.rows.map(m => m.id));
    e.rows = e.rows.concat((p.items || []).filter(m => !seen.has(m.id)));
    e.next = p.next || ''; e.err = null;
  }, x => { e.err = x.message; }).finally(() => { e.more = false; onload(e); });
}
// streamRow shows a mention of the search API as the topic stream does.
const streamRow = (m) => mentionRow({mention: {id: m.id, platform: m.platform, author: {name: m.author}, title: m.title, text: m.text, published_at: m.published_at}, sentiment: {label: m.sentiment}});
function streamRows(e, onmore) {
  const err = e.err ? h('div', {class: 'error'}, e.err) : null;
  if (!e.rows) return [err || h('div', {class: 'muted'}, '加载中…')];
  if (!e.rows.length) return [err || h('div', {class: 'muted'}, '没有符合条件的信息。')];
  return [...e.rows.map(streamRow), err, h('div', {class: 'muted', id: 'stream-count'}, '已显示 ', String(e.rows.length), ' 条', e.next ? '' : '，已全部显示', ' ',
    e.next ? h('button', {class: 'act quiet', id: 'stream-more', disabled: e.more, onclick: onmore}, e.more ? '加载中…' : '加载更多') : null)].filter(Boolean);
}
function viewTopic(id) {
  const t = S.topics.get(id);
  const root = h('div', {});
  if (!t) {
    // Named by headline, never by its ID: through the topic it merged into
    // (still on the board) or an alert raised for it.
    const into = [...S.topics.values()].find(x => (x.merged || []).includes(id));
    const a = [...S.alerts.values()].find(x => x.topic_id === id || x.id === 'a-' + id);
    const name = alertTitle(a);
    root.append(h('div', {class: 'card muted'}, into ? ['该话题已并入「', h('a', {href: '#/topic/' + encodeURIComponent(into.id)}, titleOf(into) || '未命名话题'), '」。']
      : ['话题', name ? '「' + name + '」' : '', '已不在活跃窗口，历史数据见', h('a', {href: '#/reports'}, '报表'), '。']));
    return root;
  }
  const stream = h('div', {id: 'stream'});
  const show = (e) => stream.replaceChildren(...streamRows(e, () => { streamMore(e, () => { show(e); scheduleRender(); }); show(e); }));
  const refilter = () => { topicFilter.platform = filter.value; topicFilter.sentiment = senti.value; show(topicStream(id, show)); };
  const filter = h('select', {id: 'platform-filter', onchange: refilter}, h('option', {value: ''}, '全部平台'),
    Object.keys(t.platforms || {}).map(p => h('option', {value: p}, PLATFORMS[p] || p)));
  const senti = h('select', {id: 'sentiment-filter', onchange: refilter}, h('option', {value: ''}, '全部情感'),
    ['neg', 'neu', 'pos'].map(l => h('option', {value: l}, {neg: '负面', neu: '中性', pos: '正面'}[l])));
  filter.value = topicFilter.platform; senti.value = topicFilter.sentiment;
  show(topicStream(id, () => scheduleRender()));
  root.append(h('div', {class: 'card'}, h('h2', {class: 'headline'}, titleOf(t) || '未命名话题'), kwLine(t, 8), chips(t.entities, 12), drillTag(t.drill), ' ', gradeTag((t.suggested || {}).grade),
    h('div', {class: 'muted'}, t.mentions, ' 条信息 · 首发 ', (t.first || {}).author || '—', ' ', fmt(t.first_time), ' · ', LIFECYCLE[t.lifecycle] || ''),
    mix(t.sentiment || {})),
    topicCharts(t), // topiccharts.js: kept across re-renders
    h('div', {class: 'card'}, h('h3', {}, '代表性信息'), (t.representative || []).slice(0, 5).map(r => h('div', {class: 'clock'}, h('div', {class: 'muted'}, PLATFORMS[r.platform] || r.platform, ' · ', r.author || '', ' · ', fmt(r.time)), h('div', {}, r.text)))),
    h('div', {class: 'card'}, h('div', {}, '筛选：', filter, ' ', senti, ' ', h('a', {id: 'stream-search', href: '#/search/' + encodeURIComponent(id)}, '在信息检索中打开')), stream));
  return root;
}
function mentionRow(a) {
  const m = a.mention || {};
  const sel = h('select', {}, ['neg', 'neu', 'pos'].map(l => h('option', {value: l}, {neg: '负面', neu: '中性', pos: '正面'}[l])));
  return h('div', {class: 'clock'}, h('div', {class: 'muted'}, PLATFORMS[m.platform] || m.platform, ' · ', (m.author || {}).name || '', ' · ', fmt(m.published_at),
    ' · 情感：', {neg: '负面', neu: '中性', pos: '正面'}[(a.sentiment || {}).label] || '—'),
    h('div', {}, m.title ? m.title + '：' : '', m.text),
    can('duty_officer') && h('details', {}, h('summary', {class: 'muted'}, '判断有误？'), sel,
      h('button', {class: 'act quiet', onclick: async (ev) => {
        try { await api('POST', '/api/v1/feedback/sentiment', {mention_id: m.id, label: sel.value}); ev.target.textContent = '已记录'; } catch (x) { alert(x.message); }
      }}, '提交更正'),
      h('button', {class: 'act quiet', onclick: async (ev) => {
        try { await api('POST', '/api/v1/feedback/relevance', {mention_id: m.id, relevant: false, reason: '值班员标记为不相关'}); ev.target.textContent = '已标记不相关'; } catch (x) { alert(x.message); }
      }}, '与监测无关')));
}

// ---- incidents ----
function clockRows(inc) {
  return Object.values(inc.clocks || {}).sort((a, b) => new Date(a.due) - new Date(b.due)).map(c => {
    const done = c.stopped || c.cancelled;
    return h('div', {class: 'clock ' + (done ? 'done' : ''), 'data-clock': c.name, 'data-due': c.due, 'data-done': done ? '1' : ''},
      h('div', {}, CLOCKS[c.name] || c.name, h('span', {class: 'muted'}, ' 截止 ', fmt(c.due))),
      h('div', {class: 'countdown'}, done ? (c.cancelled ? '已取消' : (c.met ? '按时完成' : '超时完成')) : ''));
  });
}
function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll('[data-due]')) {
    if (el.dataset.done) continue;
    const left = new Date(el.dataset.due) - now, cd = el.querySelector('.countdown');
    const u = left <= 0 ? 'breached' : left <= 600e3 ? 'urgent' : left <= 3600e3 ? 'soon' : 'ok';
    el.className = 'clock ' + u;
    const a = Math.abs(left), hh = Math.floor(a / 3600e3), mm = Math.floor(a % 3600e3 / 60e3), ss = Math.floor(a % 60e3 / 1e3);
    cd.className = 'countdown urgency-' + u;
    // Working-day clocks run for weeks: days and hours read better than 1344:27:20.
    cd.textContent = (left <= 0 ? '已超时 ' : '剩余 ') + (a >= 48 * 3600e3 ? Math.floor(a / 86400e3) + ' 天 ' + Math.floor(a % 86400e3 / 3600e3) + ' 小时'
      : hh + ':' + String(mm).padStart(2, '0') + ':' + String(ss).padStart(2, '0'));
  }
}
setInterval(tick, 1000);

// ---- dates: typed and shown as 2026-12-03 or 2026-12-03 18:30, Beijing time ----
// The browser's own date inputs follow its locale (an English Chromium
// shows 12/03/2026): these are text inputs in one format whatever the
// browser. They take 2026/12/3, 2026年12月3日 or 20261203 too (a phone's
// number pad) and show it as 2026-12-03; anything else is refused with the
// reason under the field. A click (or ↓) opens a calendar of their own,
// weeks from Monday. dateInput's value is YYYY-MM-DD, as type=date's was;
// dateTimeInput's is 'YYYY-MM-DD HH:MM' in Beijing time, and
// bjInstant(value) is its instant (ISO) for the API.
const pad2 = (n) => String(n).padStart(2, '0');
const ymdOf = (y, m, d) => y + '-' + pad2(m) + '-' + pad2(d);
const monthDays = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();
function bjNow() {
  const d = new Date(Date.now() + 8 * 3600e3);
  return {y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate(), hm: pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes())};
}
// parseDT reads what was typed: {value} in the canonical form ('' when
// empty) or {error}, a sentence for the user.
function parseDT(s, time) {
  s = String(s || '').trim().replace(/([\sT])(\d{2})(\d{2})$/, '$1$2:$3'); // 1830 typed over a picked time
  if (!s) return {value: ''};
  const p = s.match(/^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:(?:\s*T\s*|\s+|(?<=日))(\d{1,2})\s*[:：时点]\s*(\d{1,2})\s*分?(?:\s*[:：]\s*\d{1,2}\s*秒?)?)?$/)
    || s.match(/^(\d{4})(\d{2})(\d{2})(?:\s*(\d{2})[:：]?(\d{2}))?$/);
  if (!p) return {error: time ? '时间格式应为 2026-12-03 18:30（年-月-日 时:分，北京时间）' : '日期格式应为 2026-12-03（年-月-日）'};
  const y = +p[1], mo = +p[2], d = +p[3], hasTime = p[4] != null;
  if (y < 2000 || y > 2099) return {error: '年份不对：' + p[1]};
  if (mo < 1 || mo > 12 || d < 1 || d > monthDays(y, mo)) return {error: '没有这一天：' + y + ' 年 ' + mo + ' 月 ' + d + ' 日'};
  if (hasTime && !time) return {error: '只需填写日期，如 ' + ymdOf(y, mo, d)};
  if (!hasTime && time) return {error: '请同时填写时间，如 ' + ymdOf(y, mo, d) + ' 18:30'};
  if (hasTime && (+p[4] > 23 || +p[5] > 59)) return {error: '没有这个时刻：' + p[4] + ':' + p[5]};
  return {value: ymdOf(y, mo, d) + (time ? ' ' + pad2(+p[4]) + ':' + pad2(+p[5]) : '')};
}
function bjInstant(v) {
  const p = parseDT(v, true).value;
  return p ? new Date(Date.UTC(+p.slice(0, 4), +p.slice(5, 7) - 1, +p.slice(8, 10), +p.slice(11, 13) - 8, +p.slice(14, 16))).toISOString() : '';
}
function dtCheck(el) {
  const r = parseDT(el.value, el.dataset.dt === 'datetime'), min = el.dataset.min, max = el.dataset.max;
  if (r.value && max && r.value > max) return {error: '不能晚于 ' + max};
  if (r.value && min && r.value < min) return {error: '不能早于 ' + min};
  return r;
}
// dtSay shows the reason under the field (none: hides it).
function dtSay(el, error) {
  el.classList.toggle('dt-bad', !!error);
  if (error) el.setAttribute('aria-invalid', 'true'); else el.removeAttribute('aria-invalid');
  let msg = el.nextElementSibling && el.nextElementSibling.classList.contains('dt-err') ? el.nextElementSibling : null;
  if (!error) { if (msg) msg.remove(); return; }
  if (!msg) { msg = h('span', {class: 'dt-err error', role: 'alert'}); el.after(msg); }
  msg.textContent = error;
}
const dateInput = (name, attrs) => dtInput(name, attrs, false);
const dateTimeInput = (name, attrs) => dtInput(name, attrs, true);
function dtInput(name, attrs, time) {
  const {onchange, oninput, min, max, ...rest} = attrs || {};
  const el = h('input', {type: 'text', name, class: 'dt-in' + (time ? ' dt-time' : ''), 'data-dt': time ? 'datetime' : 'date', 'data-min': min, 'data-max': max,
    inputmode: 'numeric', autocomplete: 'off', spellcheck: 'false', maxlength: 24, lang: 'zh-CN',
    placeholder: time ? '年-月-日 时:分' : '年-月-日', title: time ? '年-月-日 时:分（北京时间），如 2026-12-03 18:30' : '年-月-日，如 2026-12-03', ...rest});
  el.addEventListener('input', (e) => {
    const r = dtCheck(el);
    el.setCustomValidity(r.error || '');
    if (!r.error || el.classList.contains('dt-bad')) dtSay(el, r.error); // a shown reason follows the typing
    if (e.isTrusted) dtClose(); // typing, not picking
    if (oninput) oninput(e);
  });
  el.addEventListener('change', (e) => {
    const r = dtCheck(el);
    if (!r.error && r.value !== el.value) el.value = r.value;
    el.setCustomValidity(r.error || '');
    dtSay(el, r.error);
    if (onchange) onchange(e);
  });
  el.addEventListener('blur', () => { dtClose(); dtSay(el, dtCheck(el).error); });
  el.addEventListener('invalid', () => dtSay(el, dtCheck(el).error || (el.value ? '' : time ? '请填写时间，如 2026-12-03 18:30' : '请填写日期，如 2026-12-03')));
  el.addEventListener('click', () => { if (DT.el !== el) dtOpen(el); });
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && DT.el === el) { e.preventDefault(); dtClose(); }
    if (e.key === 'ArrowDown' && DT.el !== el) { e.preventDefault(); dtOpen(el); }
  });
  return el;
}
function dtRestored(el) {
  const r = dtCheck(el);
  el.setCustomValidity(r.error || '');
  dtSay(el, r.error);
}
// A form is sent with its dates in the canonical form, or not at all: a
// value restored after a live re-render was never checked as typed.
document.addEventListener('submit', (ev) => {
  const f = ev.target;
  if (!(f instanceof HTMLFormElement)) return;
  for (const el of f.querySelectorAll('input.dt-in')) {
    const r = dtCheck(el);
    el.setCustomValidity(r.error || '');
    if (r.error) { ev.preventDefault(); ev.stopImmediatePropagation(); delete f.dataset.sent; dtSay(el, r.error); el.focus(); return; }
    if (r.value !== el.value) { el.value = r.value; el.dispatchEvent(new Event('change', {bubbles: true})); }
  }
}, true);
// The calendar: one for the page, outside the view, so a live re-render
// cannot take it away; the field keeps the focus (so no re-render happens
// while it is open) because pressing the calendar does not take it.
const DT = {pop: null, el: null, y: 0, m: 0};
function dtOpen(el) {
  const v = parseDT(el.value, el.dataset.dt === 'datetime').value, n = bjNow();
  DT.el = el; DT.y = v ? +v.slice(0, 4) : n.y; DT.m = v ? +v.slice(5, 7) : n.m;
  if (!DT.pop) {
    DT.pop = h('div', {class: 'dt-pop', id: 'dt-pop', role: 'dialog', 'aria-label': '选择日期'});
    DT.pop.addEventListener('mousedown', (e) => e.preventDefault());
    document.body.append(DT.pop);
  }
  DT.pop.hidden = false;
  dtDraw();
  dtPlace();
}
function dtClose() { if (DT.pop) DT.pop.hidden = true; DT.el = null; }
function dtPlace() {
  if (!DT.el || !DT.pop || DT.pop.hidden) return;
  const r = DT.el.getBoundingClientRect(), w = DT.pop.offsetWidth, vw = document.documentElement.clientWidth;
  DT.pop.style.top = (r.bottom + scrollY + 2) + 'px';
  DT.pop.style.left = (scrollX + Math.max(4, Math.min(r.left, vw - w - 4))) + 'px';
}
function dtSet(el, v) {
  el.value = v;
  el.dispatchEvent(new Event('input', {bubbles: true}));
  el.dispatchEvent(new Event('change', {bubbles: true}));
  dtClose();
}
function dtDraw() {
  const el = DT.el, time = el.dataset.dt === 'datetime', n = bjNow(), today = ymdOf(n.y, n.m, n.d);
  const typed = parseDT(el.value, time).value, sel = typed.slice(0, 10);
  const min = (el.dataset.min || '').slice(0, 10), max = (el.dataset.max || '').slice(0, 10);
  const off = (v) => !!((min && v < min) || (max && v > max));
  // A date-time keeps the time typed (now's when none), selected to type over.
  const pick = (v) => { dtSet(el, time ? v + ' ' + (typed ? typed.slice(11) : n.hm) : v); if (time) el.setSelectionRange(11, 16); };
  const step = (k) => { DT.m += k; if (DT.m < 1) { DT.m = 12; DT.y--; } else if (DT.m > 12) { DT.m = 1; DT.y++; } dtDraw(); };
  const lead = (new Date(Date.UTC(DT.y, DT.m - 1, 1)).getUTCDay() + 6) % 7, days = [];
  for (let i = 0; i < lead; i++) days.push(h('span', {}));
  for (let d = 1; d <= monthDays(DT.y, DT.m); d++) {
    const v = ymdOf(DT.y, DT.m, d);
    days.push(h('button', {type: 'button', class: 'dt-day' + (v === sel ? ' on' : '') + (v === today ? ' today' : ''), 'data-day': v, disabled: off(v), onclick: () => pick(v)}, d));
  }
  DT.pop.replaceChildren(
    h('div', {class: 'dt-head'}, h('button', {type: 'button', 'aria-label': '上个月', onclick: () => step(-1)}, '‹'),
      h('b', {}, DT.y + ' 年 ' + DT.m + ' 月'), h('button', {type: 'button', 'aria-label': '下个月', onclick: () => step(1)}, '›')),
    h('div', {class: 'dt-grid'}, ['一', '二', '三', '四', '五', '六', '日'].map(x => h('span', {class: 'dt-wd'}, x)), days),
    h('div', {class: 'dt-foot'}, h('button', {type: 'button', disabled: off(today), onclick: () => time ? dtSet(el, today + ' ' + n.hm) : pick(today)}, time ? '现在' : '今天'),
      h('button', {type: 'button', onclick: () => dtSet(el, '')}, '清除'), time ? h('span', {class: 'muted'}, '北京时间') : null));
}
window.addEventListener('resize', dtPlace);
document.addEventListener('scroll', dtPlace, true);
setInterval(() => { if (DT.el && !DT.el.isConnected) dtClose(); }, 1000);

function field(label, input) { return h('label', {}, label, input); }
function actionForm(title, fields, submit, cls) {
  const form = h('form', {class: 'inline'}, fields, h('button', {class: 'act ' + (cls || ''), type: 'submit'}, title));
  const msg = h('span', {class: 'muted'});
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.textContent = '';
    try { await submit(); msg.textContent = '已记录'; msg.className = 'ok'; document.activeElement.blur(); form.reset(); }
    catch (x) { msg.textContent = x.message; msg.className = 'error'; delete form.dataset.sent; }
  });
  return h('div', {}, form, msg);
}
function viewIncident(id) {
  const inc = S.incidents.get(id);
  const root = h('div', {});
  if (!inc) { root.append(h('div', {class: 'card muted'}, '加载中…')); api('GET', '/api/v1/incidents/' + encodeURIComponent(id)).then(o => { S.incidents.set(id, o.incident); scheduleRender(); }).catch(x => root.replaceChildren(h('div', {class: 'card error'}, x.message))); return root; }
  const path = '/api/v1/incidents/' + encodeURIComponent(id);
  // After an action the page reloads the incident itself: the clocks change
  // at once, even while the websocket is behind a busy stream.
  const post = async (verb, body) => {
    const out = await api('POST', path + verb, body);
    api('GET', path).then(o => { S.incidents.set(id, o.incident); scheduleRender(); }).catch(() => {});
    return out;
  };
  // No grade is preselected: grading is a deliberate act.
  const g = h('select', {name: 'grade', required: true}, h('option', {value: ''}, '请选择等级'), [1, 2, 3, 4].map(x => h('option', {value: x}, GRADES[x])));
  if (inc.grade) g.value = String(inc.grade);
  const reason = h('input', {name: 'reason', placeholder: '定级理由', required: true});
  const units = h('input', {name: 'units', placeholder: '城东区政府:属地, 市生态环境局:主管', size: 36});
  const lead = h('input', {name: 'lead', placeholder: '牵头单位'});
  const chan = h('input', {name: 'channel', placeholder: '政务微博', required: true}), url = h('input', {name: 'url', placeholder: 'https://…', required: true, size: 30}), text = h('input', {name: 'text', placeholder: '发布内容摘要'});
  const place = h('input', {name: 'place', placeholder: '市政府新闻发布厅'}), when = dateTimeInput('at'), speakers = h('input', {name: 'speakers', placeholder: '王某:新闻发言人, 李某:负责人', size: 30});
  const snoozeClock = h('select', {}, Object.values(inc.clocks || {}).filter(c => !c.stopped && !c.cancelled).map(c => h('option', {value: c.name}, CLOCKS[c.name] || c.name)));
  const snoozeMin = h('input', {type: 'number', value: 30, min: 5, max: 120}), snoozeWhy = h('input', {placeholder: '暂停理由', required: true});
  const review = h('textarea', {placeholder: '复盘：处置过程、时效、经验教训', required: true});
  // 安排发布会 and 持续发布 have fields of their own (one input, one form).
  const confAt = dateTimeInput('conf_at', {required: true}), confPlace = h('input', {name: 'conf_place', placeholder: '市政府新闻发布厅'}),
    confSpeakers = h('input', {name: 'conf_speakers', placeholder: '王某:新闻发言人, 李某:负责人', size: 30});
  const fuChan = h('input', {name: 'fu_channel', placeholder: '政务微博', required: true}), fuURL = h('input', {name: 'fu_url', placeholder: 'https://…', required: true, size: 30}),
    fuText = h('input', {name: 'fu_text', placeholder: '进展通报摘要'});
  const reopenWhy = h('input', {name: 'reopen_reason', placeholder: '重新打开的理由（如出现次生舆情）', required: true, size: 30});
  const speakersOf = (input) => input.value.split(/[,，]/).map(s => s.trim()).filter(Boolean).map(s => { const [name, role] = s.split(/[:：]/); return {name: (name || '').trim(), role: (role || '').trim()}; });
  const bj = (input) => bjInstant(input.value) || new Date().toISOString(); // Beijing time typed; empty: now
  const closed = inc.status !== 'open';
  const parseSpeakers = () => speakers.value.split(/[,，]/).map(s => s.trim()).filter(Boolean).map(s => { const [name, role] = s.split(/[:：]/); return {name: (name || '').trim(), role: (role || '').trim()}; });
  const at = () => bj(when);
  root.append(
    h('div', {class: 'card'}, h('h2', {}, inc.title), gradeTag(inc.grade), ' ', drillTag(inc.drill), ' ', h('span', {class: 'muted'}, inc.status === 'open' ? '处置中' : '已关闭', ' · 发现 ', fmt(inc.detected_at), ' · 牵头 ', inc.lead || '未指派'),
      (inc.alerts || []).length ? h('div', {id: 'incident-alerts'}, '预警：', (inc.alerts || []).flatMap((x, n) => [n ? '；' : null,
        h('a', {href: '#/alerts/' + encodeURIComponent(x)}, '「' + headline(S.alerts.get(x)) + '」'), (S.alerts.get(x) || {}).merged_into ? '（已合并）' : null])) : null,
      chips([...(inc.alerts || []).flatMap(x => alertNames(S.alerts.get(x))), ...(inc.topics || []).flatMap(x => (S.topics.get(x) || {}).entities || [])], 12)),
    h('div', {class: 'card', id: 'clocks'}, h('h3', {}, '时限'), clockRows(inc), draftLine(inc), h('button', {class: 'act', onclick: () => post('/acknowledge', {}).catch(x => alert(x.message))}, '确认收到提醒')),
    closed && can('approver', 'leader') ? h('div', {class: 'card', id: 'actions'}, h('h3', {}, '事件已关闭'), h('div', {class: 'muted'}, '复盘：', inc.review || '—'),
      actionForm('重新打开', [field('理由', reopenWhy)], () => post('/reopen', {reason: reopenWhy.value}), 'warn')) : '', // root.append shows null as text
    !closed && can('duty_officer', 'spokesperson', 'approver', 'leader') ? h('div', {class: 'card', id: 'actions'}, h('h3', {}, '处置'),
      can('duty_officer', 'approver', 'leader') ? actionForm('定级', [field('等级', g), field('理由', reason)], () => post('/grade', {grade: +g.value, reason: reason.value})) : null,
      can('duty_officer') ? actionForm('指派', [field('责任单位', units), field('牵头', lead)], () => post('/assign', {units: units.value.split(/[,，]/).map(s => s.trim()).filter(Boolean).map(s => { const [name, kind] = s.split(/[:：]/); return {name: name.trim(), kind: (kind || '属地').trim()}; }), lead: lead.value})) : null,
      can('duty_officer', 'spokesperson') ? actionForm('登记已发布的权威信息（未经工作台审签的）', [field('渠道', chan), field('链接', url), field('摘要', text)], () => post('/publish', {at: at(), channel: chan.value, url: url.value, text: text.value})) : null,
      can('duty_officer', 'spokesperson') ? actionForm('安排发布会', [field('时间（北京时间）', confAt), field('地点', confPlace), field('发言人', confSpeakers)],
        () => post('/conference/schedule', {at: bj(confAt), place: confPlace.value, speakers: speakersOf(confSpeakers)})) : null,
      can('duty_officer', 'spokesperson') ? actionForm('持续发布（进展通报）', [field('渠道', fuChan), field('链接', fuURL), field('摘要', fuText)],
        () => post('/followup', {at: new Date().toISOString(), channel: fuChan.value, url: fuURL.value, text: fuText.value})) : null,
      can('duty_officer', 'spokesperson') ? actionForm('记录发布会已召开', [field('时间（北京时间，空为现在）', when), field('地点', place), field('发言人', speakers)], () => post('/conference/hold', {at: at(), place: place.value, speakers: parseSpeakers()})) : null,
      can('duty_officer') ? actionForm('暂停提醒', [field('时限', snoozeClock), field('分钟', snoozeMin), field('理由', snoozeWhy)], () => post('/snooze', {clock: snoozeClock.value, until: new Date(Date.now() + snoozeMin.value * 60e3).toISOString(), reason: snoozeWhy.value}), 'warn') : null,
      can('approver', 'leader') ? actionForm('关闭事件', [field('复盘', review)], () => post('/close', {review: review.value}), 'danger') : null) : '',
    ...workbench(inc).filter(Boolean),
    h('div', {class: 'card'}, h('h3', {}, '时间线'), h('ul', {class: 'timeline', id: 'timeline'}, h('li', {class: 'muted'}, '加载中…'))));
  api('GET', path).then(o => {
    const ul = root.querySelector('#timeline');
    if (ul) ul.replaceChildren(...(o.timeline || []).map(e => h('li', {}, h('span', {class: 'muted'}, fmt(e.at), ' ', e.actor_name || e.actor, '：'), e.summary)));
  }).catch(() => {});
  return root;
}

function viewSources() {
  const list = [...S.sources.values()];
  if (!list.length) return h('div', {class: 'card muted'}, '暂无信源状态。配置采集信源后，这里显示每个信源的最近成功时间、采集量、延迟和错误；失效的信源标红。');
  const pct = (x) => x == null ? '—' : Math.round(x * 100) + '%';
  const lag = (ms) => !ms ? '—' : ms < 60e3 ? Math.round(ms / 1e3) + ' 秒' : ms < 3600e3 ? Math.round(ms / 60e3) + ' 分钟' : (ms / 3600e3).toFixed(1) + ' 小时';
  return h('div', {class: 'card'}, h('table', {id: 'sources'}, h('tr', {}, ['信源', '状态', '最近成功', '近 1 小时采集', '错误率', '发布→采集延迟', '错误'].map(x => h('th', {}, x))),
    list.map(s => h('tr', {}, h('td', {}, s.source), h('td', {}, s.auth_failed || !s.ok ? h('span', {class: 'blind'}, s.auth_failed ? '失明（凭证失效）' : '异常') : h('span', {class: 'ok'}, s.ended ? '已完成' : '正常')),
      h('td', {}, fmt(s.last_success)), h('td', {}, String(s.items_last_hour || 0)), h('td', {}, pct(s.error_rate)), h('td', {}, lag(s.lag_ms)),
      h('td', {class: 'muted'}, s.error || '')))));
}

// A blind source is announced on every view: a clock cannot be kept on what nobody sees.
function blindBanner() {
  const blind = [...S.sources.values()].filter(s => s.auth_failed);
  const b = document.getElementById('blind');
  if (!blind.length) { b.hidden = true; return; }
  b.hidden = false;
  b.textContent = '信源失明：' + blind.map(s => s.source).join('、') + '（凭证失效或被要求登录）——这些渠道的舆情当前无法发现，请尽快更新凭证。';
}

function viewSchemes() {
  const root = h('div', {});
  const list = h('div', {class: 'card'}, '加载中…');
  const id = h('input', {placeholder: 'chem-smell', required: true}), name = h('input', {placeholder: '化工厂异味'}),
    rule = h('input', {placeholder: '(化工厂 | 化工园区) & (异味 | 泄漏) & !演习', size: 50, required: true}), sensitive = h('input', {type: 'checkbox'});
  if (can('duty_officer')) root.append(h('div', {class: 'card'}, h('h3', {}, '新建或修改监测方案'),
    actionForm('保存', [field('编号', id), field('名称', name), field('规则', rule), field('敏感', sensitive)], async () => {
      await api('PUT', '/api/v1/schemes/' + encodeURIComponent(id.value), {name: name.value, rule: rule.value, sensitive: sensitive.checked});
      load();
    })));
  root.append(list);
  async function load() {
    try {
      const schemes = await api('GET', '/api/v1/schemes');
      list.replaceChildren(h('table', {id: 'schemes'}, h('tr', {}, ['编号', '名称', '规则', '版本', ''].map(x => h('th', {}, x))),
        (schemes || []).map(s => h('tr', {}, h('td', {}, s.id), h('td', {}, s.name, s.sensitive ? h('span', {class: 'tag kw'}, '敏感') : null), h('td', {}, h('code', {}, s.rule)), h('td', {}, 'v' + s.version),
          h('td', {}, can('duty_officer') ? h('button', {class: 'act quiet', onclick: () => { id.value = s.id; name.value = s.name; rule.value = s.rule; sensitive.checked = !!s.sensitive; }}, '编辑') : null)))));
    } catch (x) { list.replaceChildren(h('span', {class: 'error'}, x.message)); }
  }
  load();
  return root;
}

document.getElementById('logout').addEventListener('click', async () => { try { await api('POST', '/api/v1/logout', {}); } catch (x) {} location.href = '/login'; });
api('GET', '/api/v1/me').then(me => {
  S.me = me.user || me;
  if (me.csrf_token) { S.csrf = me.csrf_token; sessionStorage.setItem('yuqing-csrf', me.csrf_token); }
  document.getElementById('me').textContent = (S.me.display_name || S.me.username || '') + (S.me.roles ? '（' + S.me.roles.map(r => ROLE_NAMES[r] || r).join('、') + '）' : '');
  scheduleRender(); // the forms a user may use depend on the roles
}).catch(() => {});
// The first render waits for every script (workbench.js) to have run.
document.addEventListener('DOMContentLoaded', () => { connect(); render(); });
