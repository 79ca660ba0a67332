'use strict';
// 信息检索: find stored mentions — not only a topic's newest — by keyword
// (in the title or the text), platform, sentiment, period (Beijing dates)
// and topic, newest first, 50 a page with 加载更多; export what was found
// as CSV or Excel for a leader. #/search/<topic> opens it with the topic
// filled and searched (a topic page's 在信息检索中打开).
// The form and the pages loaded live in SR, so a live re-render keeps them.
// Uses app.js's h, api, fmt, S, PLATFORMS, titleOf, streamRow, dateInput
// and scheduleRender.

const SEARCH_PAGE = 50;
const SEARCH_MAX_DAYS = 92; // analytics.MaxSearchRange: across all topics
const srToday = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
const srDaysAgo = (n) => new Date(Date.now() + 8 * 3600e3 - n * 86400e3).toISOString().slice(0, 10);
const srDraft = (topic) => ({q: '', platform: '', sentiment: '', topic: topic || '', from: srDaysAgo(topic ? 29 : 6), to: srToday()});
// SR.draft is the form as typed; SR.query the search whose rows are shown.
const SR = {hash: null, draft: srDraft(''), query: null, rows: [], next: '', loading: false, error: '', seq: 0};

// srParams is the API's query string of a search (dates are whole
// Beijing days, to inclusive), without paging.
function srParams(f) {
  const p = new URLSearchParams();
  if (f.q.trim()) p.set('q', f.q.trim());
  for (const k of ['topic', 'platform', 'sentiment']) if (f[k]) p.set(k, f[k]);
  if (f.from) p.set('from', new Date(f.from + 'T00:00:00+08:00').toISOString());
  if (f.to) p.set('to', new Date(Date.parse(f.to + 'T00:00:00+08:00') + 86400e3).toISOString());
  return p;
}

// srRun shows the first page of the draft's search; srLoad(cursor) the next.
function srRun() {
  SR.query = {...SR.draft};
  SR.rows = []; SR.next = ''; SR.error = '';
  srLoad('');
}
function srLoad(cursor) {
  const seq = ++SR.seq, p = srParams(SR.query);
  p.set('limit', String(SEARCH_PAGE));
  if (cursor) p.set('cursor', cursor);
  SR.loading = true;
  scheduleRender();
  api('GET', '/api/v1/mentions?' + p).then(out => {
    if (seq !== SR.seq) return; // a newer search replaced this one
    const seen = new Set(SR.rows.map(m => m.id));
    SR.rows = SR.rows.concat((out.items || []).filter(m => !seen.has(m.id)));
    SR.next = out.next || ''; SR.error = '';
  }, x => { if (seq === SR.seq) SR.error = x.message; }).finally(() => {
    if (seq === SR.seq) { SR.loading = false; scheduleRender(); }
  });
}

// srMark highlights the keyword in a row's text (Latin letters in either case).
function srMark(el, q) {
  if (!q || !el) return;
  const lower = (s) => s.replace(/[A-Z]/g, c => c.toLowerCase());
  const needle = lower(q);
  for (const node of [...el.childNodes]) {
    if (node.nodeType !== 3) continue;
    const text = node.textContent, hay = lower(text), parts = [];
    let at = 0;
    for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, at)) {
      parts.push(text.slice(at, i), h('mark', {}, text.slice(i, i + needle.length)));
      at = i + needle.length;
    }
    if (parts.length) node.replaceWith(...parts, text.slice(at));
  }
}

const srTopicName = (id) => { const t = S.topics.get(id); return t ? (titleOf(t) || '未命名话题') : id; };

function srRow(m, q) {
  const row = streamRow(m);
  srMark(row.children[1], q);
  row.append(h('div', {class: 'muted', style: 'overflow-wrap:anywhere'},
    m.topic ? ['话题：', h('a', {href: '#/topic/' + encodeURIComponent(m.topic)}, clip(srTopicName(m.topic), 24)), ' '] : null,
    /^https?:\/\//.test(m.url || '') ? h('a', {href: m.url, target: '_blank', rel: 'noopener noreferrer'}, '原文链接') : null));
  return row;
}

function srForm() {
  const d = SR.draft;
  const keep = (k) => (e) => { d[k] = e.target.value; };
  const opt = (value, label, current) => h('option', {value, selected: value === current}, label);
  const q = h('input', {name: 'q', type: 'search', value: d.q, placeholder: '标题或正文中的词，如 化工厂', maxlength: 100, oninput: keep('q'), style: 'width:100%'});
  const platform = h('select', {name: 'platform', onchange: keep('platform'), style: 'width:100%'}, opt('', '全部平台', d.platform),
    Object.entries(PLATFORMS).map(([k, v]) => opt(k, v, d.platform)));
  const sentiment = h('select', {name: 'sentiment', onchange: keep('sentiment'), style: 'width:100%'}, opt('', '全部情感', d.sentiment),
    [['neg', '负面'], ['neu', '中性'], ['pos', '正面']].map(([k, v]) => opt(k, v, d.sentiment)));
  const topics = [...S.topics.values()].sort((a, b) => (b.heat || 0) - (a.heat || 0));
  const topic = h('select', {name: 'topic', onchange: keep('topic'), style: 'width:100%'}, opt('', '全部话题', d.topic),
    d.topic && !S.topics.has(d.topic) ? opt(d.topic, '话题 ' + d.topic, d.topic) : null,
    topics.map(t => opt(t.id, clip(titleOf(t) || '未命名话题', 30), d.topic)));
  const date = (name) => typeof dateInput === 'function' ? dateInput(name, {value: d[name], onchange: keep(name), style: 'width:100%'})
    : h('input', {name, type: 'date', value: d[name], onchange: keep(name), style: 'width:100%'});
  const above = (label, input) => h('label', {style: 'display:flex;flex-direction:column;font-size:12px;color:var(--muted);min-width:0'}, label, input);
  const form = h('form', {id: 'search-form'},
    h('div', {style: 'display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:8px'},
      h('div', {style: 'grid-column:1 / -1'}, above('关键词', q)),
      above('平台', platform), above('情感', sentiment), above('话题', topic), above('起始日期', date('from')), above('结束日期', date('to'))),
    h('div', {style: 'display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-top:8px'},
      h('button', {class: 'act', type: 'submit', id: 'search-submit'}, '检索'),
      h('button', {class: 'act quiet', type: 'button', onclick: () => { SR.draft = srDraft(''); scheduleRender(); }}, '重置'),
      h('span', {class: 'muted'}, '时间为北京时间，含起止两日；不限话题时最长 ' + SEARCH_MAX_DAYS + ' 天')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    delete form.dataset.sent; // the form keeps what was typed
    for (const el of form.elements) if (el.name && el.name in d) d[el.name] = el.value; // dates as dateInput normalised them
    const hash = '#/search' + (d.topic ? '/' + encodeURIComponent(d.topic) : '');
    if (location.hash !== hash) { history.replaceState(null, '', hash); SR.hash = hash; }
    if (document.activeElement) document.activeElement.blur(); // let the results render
    srRun();
  });
  return h('div', {class: 'card'}, h('h2', {style: 'margin:0 0 8px'}, '信息检索'), form);
}

function srExportLinks() {
  const p = srParams(SR.query);
  const link = (format, label) => { const x = new URLSearchParams(p); x.set('format', format); return h('a', {class: 'dl', id: 'export-' + format, href: '/api/v1/mentions/export?' + x, download: true}, label); };
  return h('span', {id: 'search-export'}, link('csv', '导出 CSV'), link('xlsx', '导出 Excel'),
    h('span', {class: 'muted'}, '（导出全部结果，最多 50000 条）'));
}

function viewSearch() {
  // A link from a topic page (#/search/<topic>) fills the topic and searches.
  if (location.hash !== SR.hash) {
    SR.hash = location.hash;
    const topic = decodeURIComponent(location.hash.split('/')[2] || '');
    if (topic && (!SR.query || SR.query.topic !== topic)) { SR.draft = srDraft(topic); srRun(); }
  }
  const root = h('div', {id: 'search'}, srForm());
  if (!SR.query) {
    root.append(h('div', {class: 'card muted', id: 'search-empty'}, '输入关键词或选择筛选条件后检索。检索范围是已入库的全部信息，不限于实时信息流。'));
    return root;
  }
  const q = SR.query.q.trim();
  const head = h('div', {style: 'display:flex;flex-wrap:wrap;gap:4px 12px;align-items:baseline;justify-content:space-between'},
    h('div', {id: 'search-count'}, SR.loading && !SR.rows.length ? '检索中…'
      : ['已显示 ', h('b', {}, String(SR.rows.length)), ' 条', SR.next ? '，还有更多' : SR.rows.length ? '，已全部显示' : '']),
    SR.rows.length ? srExportLinks() : null);
  const list = h('div', {id: 'search-results'}, SR.rows.map(m => srRow(m, q)));
  if (!SR.loading && !SR.error && !SR.rows.length) list.append(h('div', {class: 'muted'}, '没有符合条件的信息。可换个关键词、放宽平台或情感，或延长时间范围。'));
  root.append(h('div', {class: 'card', style: 'overflow-wrap:anywhere'}, head, SR.error ? h('div', {class: 'error', id: 'search-error'}, SR.error) : null, list,
    SR.rows.length ? h('div', {class: 'muted', id: 'search-foot', style: 'margin-top:8px'}, '已显示 ', String(SR.rows.length), ' 条', SR.next ? '  ' : '，已全部显示',
      SR.next ? h('button', {class: 'act quiet', id: 'search-more', disabled: SR.loading, onclick: () => srLoad(SR.next)}, SR.loading ? '加载中…' : '加载更多') : null) : null));
  return root;
}
