'use strict';
// 话题页走势图: a topic's volume by hour stacked by platform, its sentiment
// by hour (负面/中性/正面) and its platform share, drawn with Apache ECharts
// (axes, Beijing-time labels, legends, tooltips) from one request:
// GET /api/v1/topics/{id}/breakdown.
//
// render() rebuilds the view on every live update; the charts' element is
// kept (TC.el) and moves into each new view with its canvases as they are,
// so nothing flickers. The charts are drawn again only when new counts
// arrive (every 15 s while the topic grows, every 2 min otherwise) and
// resized when their element changes size.
// Uses app.js's h, api, fmt, PLATFORMS and reports.js's hourLabel, PLAT_COLORS.

const TC = {id: '', el: null, charts: {}, data: null, drawn: null, at: 0, loading: false, mentions: -1};
const SENTIMENTS = [['neg', '负面', '#c62828'], ['neu', '中性', '#90a4ae'], ['pos', '正面', '#2e7d32'], ['', '未判断', '#d7dbe0']];
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));

// topicCharts is the charts' card for topic t, to place in its view.
function topicCharts(t) {
  if (TC.id !== t.id) {
    for (const c of Object.values(TC.charts)) c.dispose();
    Object.assign(TC, {id: t.id, el: null, charts: {}, data: null, drawn: null, at: 0, mentions: -1});
  }
  if (!TC.el) {
    TC.el = h('div', {class: 'card', id: 'topic-charts'}, h('h3', {}, '走势（北京时间，每小时）'), h('div', {class: 'muted', id: 'tc-note'}, '加载中…'),
      h('div', {class: 'tc-grid'}, h('div', {class: 'tc-chart tc-wide', id: 'tc-volume'}), h('div', {class: 'tc-chart', id: 'tc-sentiment'}), h('div', {class: 'tc-chart', id: 'tc-platforms'})));
    new ResizeObserver(() => { for (const c of Object.values(TC.charts)) c.resize(); }).observe(TC.el);
  }
  if (!TC.loading && Date.now() - TC.at > (t.mentions !== TC.mentions ? 15e3 : 120e3)) loadTopicCharts(t);
  requestAnimationFrame(drawTopicCharts);
  return TC.el;
}

// The topic's life, from the quiet hour before its first mention to the
// hour after its last (or now), at most a week, at least six hours.
function loadTopicCharts(t) {
  const H = 3600e3, now = Date.now(), last = Math.max(now, Date.parse(t.last_time) || 0);
  const to = Math.floor(last / H) * H + H;
  let from = Math.floor(Math.max(Date.parse(t.first_time) || to - 24 * H, to - 7 * 24 * H) / H) * H - H;
  from = Math.min(from, to - 6 * H);
  TC.loading = true;
  const id = t.id, mentions = t.mentions;
  api('GET', '/api/v1/topics/' + encodeURIComponent(id) + '/breakdown?from=' + new Date(from).toISOString() + '&to=' + new Date(to).toISOString())
    .then(b => { if (TC.id === id) { TC.data = b; TC.mentions = mentions; } }, x => { if (TC.id === id) TC.data = {error: x.message}; })
    .finally(() => { TC.loading = false; TC.at = Date.now(); drawTopicCharts(); });
}

function tcChart(key) {
  const el = TC.el.querySelector('#tc-' + key);
  if (!TC.charts[key]) TC.charts[key] = echarts.init(el);
  return TC.charts[key];
}

// An hour's tooltip: each series' count, the hour's total, and for the
// sentiment chart the negative share of what was scored.
function hourTip(params, share) {
  const list = Array.isArray(params) ? params : [params];
  if (!list.length) return '';
  const sum = list.reduce((n, p) => n + (+p.value || 0), 0);
  const val = (name) => +(list.find(p => p.seriesName === name) || {}).value || 0;
  const scored = val('负面') + val('中性') + val('正面');
  return esc(list[0].axisValueLabel) + '<br>' + list.filter(p => +p.value).map(p => p.marker + esc(p.seriesName) + '：' + p.value + ' 条').join('<br>') +
    (list.some(p => +p.value) ? '<br>' : '') + '合计 ' + sum + ' 条' + (share && scored ? '，负面占 ' + Math.round(100 * val('负面') / scored) + '%' : '');
}

function drawTopicCharts() {
  const b = TC.data, el = TC.el;
  if (!el || !el.isConnected || !b || TC.drawn === b || typeof echarts === 'undefined') return;
  const note = el.querySelector('#tc-note');
  if (b.error) { note.textContent = b.error; note.className = 'error'; return; }
  TC.drawn = b;
  const H = 3600e3, from = Date.parse(b.from), to = Date.parse(b.to), hours = [];
  for (let x = from; x < to; x += H) hours.push(x);
  const at = (t) => Math.floor((Date.parse(t) - from) / H);
  const byPlat = {}, bySenti = {}, platTotal = {};
  for (const c of b.cells || []) {
    const i = at(c.start);
    if (i < 0 || i >= hours.length) continue;
    (byPlat[c.platform] = byPlat[c.platform] || hours.map(() => 0))[i] += c.count;
    (bySenti[c.sentiment] = bySenti[c.sentiment] || hours.map(() => 0))[i] += c.count;
    platTotal[c.platform] = (platTotal[c.platform] || 0) + c.count;
  }
  const plats = Object.keys(platTotal).sort((x, y) => platTotal[y] - platTotal[x]);
  const name = (p) => PLATFORMS[p] || p || '其他';
  const labels = hours.map(hourLabel);
  const neg = (bySenti.neg || []).reduce((n, x) => n + x, 0), scored = ['neg', 'neu', 'pos'].reduce((n, s) => n + (bySenti[s] || []).reduce((m, x) => m + x, 0), 0);
  note.className = 'muted';
  note.textContent = fmt(from) + ' 至 ' + fmt(to) + ' · 共 ' + (b.total || 0) + ' 条' + (scored ? ' · 负面占 ' + Math.round(100 * neg / scored) + '%' : '') +
    (b.total ? '' : ' · 该时段暂无信息');
  // Bars read well for a day or two of hours; a longer life reads as areas.
  const long = hours.length > 48;
  const axis = {type: 'category', data: labels, name: '北京时间', nameLocation: 'middle', nameGap: 26, axisLabel: {hideOverlap: true, showMaxLabel: true}, axisTick: {alignWithLabel: true}};
  const grid = {left: 44, right: 16, top: 64, bottom: 44, containLabel: false};
  const title = (text) => ({text, left: 'center', top: 0, textStyle: {fontSize: 14}});
  tcChart('volume').setOption({title: title('信息量（按平台）'), color: PLAT_COLORS, tooltip: {trigger: 'axis', formatter: (p) => hourTip(p, false)},
    legend: {type: 'scroll', top: 24, data: plats.map(name)}, grid, xAxis: axis, yAxis: {type: 'value', name: '条', minInterval: 1},
    series: plats.map(p => ({name: name(p), type: long ? 'line' : 'bar', stack: 'volume', barMaxWidth: 28, symbol: 'none', areaStyle: long ? {opacity: 0.3} : undefined, data: byPlat[p]}))},
  {replaceMerge: ['series']});
  const sentis = SENTIMENTS.filter(([k]) => k !== '' || bySenti['']);
  tcChart('sentiment').setOption({title: title('情感走势'), color: sentis.map(s => s[2]), tooltip: {trigger: 'axis', formatter: (p) => hourTip(p, true)},
    legend: {top: 24, data: sentis.map(s => s[1])}, grid, xAxis: axis, yAxis: {type: 'value', name: '条', minInterval: 1},
    series: sentis.map(([k, n]) => ({name: n, type: long ? 'line' : 'bar', stack: 'sentiment', barMaxWidth: 28, symbol: 'none', areaStyle: long ? {opacity: 0.3} : undefined, data: bySenti[k] || hours.map(() => 0)}))},
  {replaceMerge: ['series']});
  tcChart('platforms').setOption({title: title('平台占比'), color: PLAT_COLORS,
    tooltip: {trigger: 'item', formatter: (p) => p.marker + esc(p.name) + '：' + p.value + ' 条（' + p.percent + '%）'},
    legend: {type: 'scroll', bottom: 0, data: plats.map(name)},
    series: [{type: 'pie', radius: ['32%', '58%'], center: ['50%', '52%'], label: {formatter: '{b} {d}%'}, data: plats.map(p => ({name: name(p), value: platTotal[p]}))}]},
  {replaceMerge: ['series']});
}
