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
    const from = h('input', {name: 'from', type: 'date', lang: 'zh-CN', value: ymd(new Date(today - 6 * 86400e3))});
    const to = h('input', {name: 'to', type: 'date', lang: 'zh-CN', value: ymd(today)});
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
