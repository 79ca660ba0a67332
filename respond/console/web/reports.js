'use strict';
// 报表: the reports generated (日报、周报、月报、专报) with their Word, PDF and
// HTML files, a preview, and generating one on demand for any period.
// Uses app.js's h, api, fmt, can and actionForm.

const RP = {list: null, at: 0, loading: false, preview: ''};
const REPORT_KIND = {daily: '日报', weekly: '周报', monthly: '月报', incident: '专报'};
const FORMAT_NAME = {docx: 'Word', pdf: 'PDF', html: '网页'};
function loadReports(force) {
  if (RP.loading || (!force && Date.now() - RP.at < 30e3)) return;
  RP.loading = true;
  api('GET', '/api/v1/reports').then(l => { RP.list = l || []; RP.err = null; }, x => { RP.err = x.message; })
    .finally(() => { RP.loading = false; RP.at = Date.now(); scheduleRender(); });
}
const ymd = (d) => new Date(d.getTime() + 8 * 3600e3).toISOString().slice(0, 10); // Beijing date

function viewReports() {
  loadReports(false);
  const root = h('div', {id: 'reports'});
  if (can('duty_officer', 'spokesperson', 'leader')) {
    const kind = h('select', {name: 'kind'}, Object.entries(REPORT_KIND).map(([k, v]) => h('option', {value: k}, v)));
    kind.value = 'weekly';
    const today = new Date();
    // The last seven days up to today (scheduled reports cover whole weeks).
    const from = dateInput('from', {value: ymd(new Date(today - 6 * 86400e3))});
    const to = dateInput('to', {value: ymd(today)});
    const inc = h('select', {name: 'incident'}, h('option', {value: ''}, '（专报选择事件）'),
      [...S.incidents.values()].map(i => h('option', {value: i.id}, i.title)));
    const drill = h('input', {type: 'checkbox', name: 'drill'});
    root.append(h('div', {class: 'card'}, h('h3', {}, '生成报表'),
      h('div', {class: 'muted'}, '日期按北京时间，含起止两日；生成 Word（公文格式，可编辑）、PDF 和网页三种格式，发出前已做个人信息检查。'),
      actionForm('生成', [field('类型', kind), field('开始日期', from), field('结束日期', to), field('事件', inc), field('含演练', drill)], async () => {
        const body = {kind: kind.value, formats: ['html', 'docx', 'pdf'], drill: drill.checked};
        if (kind.value === 'incident') body.incident = inc.value; else { body.from = from.value; body.to = to.value; }
        const g = await api('POST', '/api/v1/reports', body);
        RP.preview = g.id;
        loadReports(true);
      })));
  }
  const card = h('div', {class: 'card'}, h('h3', {}, '已生成的报表'));
  if (RP.err) card.append(h('div', {class: 'error'}, RP.err));
  else if (!RP.list) card.append(h('div', {class: 'muted'}, '加载中…'));
  else if (!RP.list.length) card.append(h('div', {class: 'muted'}, '尚无报表。日报每天 8:00、周报每周一 8:00、月报每月 1 日 8:00（北京时间）自动生成，也可在上方按需生成。'));
  else card.append(h('table', {id: 'report-list'}, h('tr', {}, ['报表', '周期', '生成', '下载', ''].map(x => h('th', {}, x))),
    RP.list.map(g => h('tr', {'data-report': g.id},
      h('td', {}, h('b', {}, g.title), g.complete ? null : h('span', {class: 'tag'}, '周期未结束'), (g.warnings || []).length ? h('div', {class: 'muted'}, g.warnings.join('；')) : null),
      h('td', {class: 'muted'}, REPORT_KIND[g.params.kind] || g.params.kind, ' ', fmt(g.params.from), ' 至 ', fmt(g.params.to)),
      h('td', {class: 'muted'}, fmt(g.at), ' ', g.actor && g.actor.startsWith('system:') ? '定时' : ''),
      h('td', {}, ['docx', 'pdf', 'html'].filter(f => g.links && g.links[f]).map(f => h('a', {class: 'dl', href: g.links[f], download: ''}, FORMAT_NAME[f]))),
      h('td', {}, g.links && g.links.html ? h('button', {class: 'act quiet', onclick: () => { RP.preview = g.id; scheduleRender(); }}, '预览') : null)))));
  root.append(card);
  const pv = RP.list && RP.list.find(g => g.id === RP.preview);
  if (pv && pv.links && pv.links.html) {
    root.append(h('div', {class: 'card'}, h('h3', {}, '预览：', pv.title),
      h('iframe', {class: 'report-preview', id: 'report-preview', src: pv.links.html + '?inline=1', title: pv.title, sandbox: 'allow-scripts'})));
  }
  return root;
}

// ---- 态势总览 ----
// The same charts as the reports, live (refreshed every 30 s): volume by
// hour and platform, sentiment, platform share, top topics, deadlines —
// readable on a wall screen. Apache ECharts is served by yuqing itself.
const OV = {root: null, charts: {}, data: null, at: 0, hours: 24};
function loadOverview(force) {
  if (!force && Date.now() - OV.at < 30e3) return;
  OV.at = Date.now();
  api('GET', '/api/v1/overview?hours=' + OV.hours).then(o => { OV.data = o; drawOverview(); }, x => { OV.data = {error: x.message}; drawOverview(); });
}
const hourLabel = (t) => new Date(t).toLocaleString('zh-CN', {timeZone: 'Asia/Shanghai', hour12: false, month: 'numeric', day: 'numeric', hour: '2-digit'}).replace(/\s/, ' ');
function viewOverview() {
  if (!OV.root) {
    const span = h('select', {id: 'ov-hours', onchange: (e) => { OV.hours = +e.target.value; loadOverview(true); }},
      [[24, '近 24 小时'], [72, '近 3 天'], [168, '近 7 天']].map(([v, t]) => h('option', {value: v}, t)));
    OV.root = h('div', {id: 'overview'},
      h('div', {class: 'ov-head'}, h('h2', {}, '态势总览'), span, h('span', {class: 'muted', id: 'ov-at'})),
      h('div', {class: 'ov-kpis', id: 'ov-kpis'}),
      h('div', {class: 'ov-grid'},
        h('div', {class: 'card ov-wide'}, h('div', {class: 'ov-chart', id: 'ov-volume'})),
        h('div', {class: 'card'}, h('div', {class: 'ov-chart', id: 'ov-platforms'})),
        h('div', {class: 'card'}, h('div', {class: 'ov-chart', id: 'ov-sentiment'})),
        h('div', {class: 'card ov-wide'}, h('h3', {}, '热点话题'), h('div', {id: 'ov-topics'})),
        h('div', {class: 'card'}, h('h3', {}, '回应时限完成情况（近 30 日）'), h('div', {id: 'ov-ontime'}))));
  }
  loadOverview(false);
  requestAnimationFrame(drawOverview);
  return OV.root;
}
function chartIn(id) {
  const el = document.getElementById(id);
  if (!el || typeof echarts === 'undefined') return null;
  if (!OV.charts[id] || OV.charts[id].getDom() !== el) OV.charts[id] = echarts.init(el);
  return OV.charts[id];
}
const PLAT_COLORS = ['#c62828', '#1565c0', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#5d4037', '#546e7a'];
function drawOverview() {
  const o = OV.data;
  if (!o || !document.getElementById('ov-kpis')) return;
  if (o.error) { document.getElementById('ov-kpis').replaceChildren(h('div', {class: 'error'}, o.error)); return; }
  document.getElementById('ov-at').textContent = '更新于 ' + fmt(new Date());
  const s = o.sentiment || {}, scored = (s.neg || 0) + (s.neu || 0) + (s.pos || 0);
  const kpi = (label, value, cls) => h('div', {class: 'ov-kpi ' + (cls || '')}, h('div', {class: 'v'}, value), h('div', {class: 'l'}, label));
  document.getElementById('ov-kpis').replaceChildren(
    kpi('信息总量', String(o.total)), kpi('负面占比（热点话题）', scored ? Math.round(100 * s.neg / scored) + '%' : '—', scored && s.neg / scored > 0.5 ? 'bad' : ''),
    kpi('处置中事件', String(o.open)), kpi('计时中的时限', String(o.running)), kpi('已超时', String(o.overdue), o.overdue ? 'bad' : 'good'));
  const plats = Object.keys(o.volume || {}).sort((a, b) => (o.platforms[b] || 0) - (o.platforms[a] || 0));
  const vol = chartIn('ov-volume');
  if (vol) vol.setOption({title: {text: '声量走势（按小时、平台）', left: 'center', top: 0, textStyle: {fontSize: 15}}, color: PLAT_COLORS, tooltip: {trigger: 'axis'},
    legend: {top: 30, data: plats.map(p => PLATFORMS[p] || p)}, grid: {left: 50, right: 20, top: 76, bottom: 40},
    xAxis: {type: 'category', data: (o.hours || []).map(hourLabel), axisLabel: {hideOverlap: true}}, yAxis: {type: 'value', name: '条'},
    series: plats.map(p => ({name: PLATFORMS[p] || p, type: 'line', stack: 'all', areaStyle: {opacity: 0.25}, symbol: 'none', data: o.volume[p]}))}, true);
  const pie = chartIn('ov-platforms');
  if (pie) pie.setOption({title: {text: '平台占比', left: 'center', textStyle: {fontSize: 15}}, color: PLAT_COLORS, tooltip: {trigger: 'item', formatter: '{b}：{c} 条（{d}%）'},
    series: [{type: 'pie', radius: ['35%', '65%'], top: 24, label: {formatter: '{b} {d}%'}, data: plats.map(p => ({name: PLATFORMS[p] || p, value: o.platforms[p]}))}]}, true);
  const sen = chartIn('ov-sentiment');
  if (sen) sen.setOption({title: {text: '情感分布（热点话题）', left: 'center', textStyle: {fontSize: 15}}, tooltip: {trigger: 'item'}, grid: {left: 50, right: 20, top: 40, bottom: 30},
    xAxis: {type: 'category', data: ['负面', '中性', '正面']}, yAxis: {type: 'value', name: '条'},
    series: [{type: 'bar', data: [{value: s.neg || 0, itemStyle: {color: '#c62828'}}, {value: s.neu || 0, itemStyle: {color: '#90a4ae'}}, {value: s.pos || 0, itemStyle: {color: '#2e7d32'}}], label: {show: true, position: 'top'}}]}, true);
  document.getElementById('ov-topics').replaceChildren((o.topics || []).length ? h('table', {class: 'ov-topics'}, h('tr', {}, ['话题', '信息量', '负面', '平台', '最近'].map(x => h('th', {}, x))),
    // A live topic is titled by its headline, as on the topic board; the
    // store keeps keywords only, so a retired topic shows those.
    o.topics.map(t => { const n = (t.neg || 0) + (t.neu || 0) + (t.pos || 0); const live = S.topics.get(t.id); return h('tr', {}, h('td', {}, t.drill ? h('span', {class: 'drill'}, '演练') : null, ' ', h('a', {href: '#/topic/' + encodeURIComponent(t.id)}, (live && live.headline) || (t.label || []).slice(0, 4).join(' · ') || t.id)),
      h('td', {}, String(t.mentions)), h('td', {}, n ? Math.round(100 * t.neg / n) + '%' : '—'), h('td', {}, (t.platforms || []).map(p => PLATFORMS[p] || p).join('、')), h('td', {class: 'muted'}, fmt(t.last_time))); }))
    : h('div', {class: 'muted'}, '该时段没有热点话题。'));
  document.getElementById('ov-ontime').replaceChildren((o.on_time || []).length ? h('table', {}, h('tr', {}, ['责任单位', '按时', '超时', '按时率'].map(x => h('th', {}, x))),
    o.on_time.map(u => h('tr', {}, h('td', {}, u.unit), h('td', {}, u.met), h('td', {class: u.missed ? 'error' : ''}, u.missed), h('td', {}, Math.round(100 * u.rate) + '%'))))
    : h('div', {class: 'muted'}, '近 30 日没有计时完成的事件。'));
  for (const c of Object.values(OV.charts)) c.resize();
}
window.addEventListener('resize', () => { for (const c of Object.values(OV.charts)) c.resize(); });
setInterval(() => { if ((location.hash || '').startsWith('#/overview')) loadOverview(false); }, 5000);
