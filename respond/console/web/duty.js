'use strict';
// The duty floor (值班): what must catch the officer's attention, and the
// incident board in the order things fall due.
//
// Attention: a new alert, a clock's warning or a breach arriving live
// sounds (unless muted), raises a desktop notification when permitted and
// counts in the tab title and on the menu (实时预警 3) until the officer
// acts on that page. While the connection is down the page says so and the
// countdowns say they may be stale (app.js setConn and tick).
// Uses app.js's h, S, fmt, GRADES, CLOCKS, alertTitle, clockRows, draftLine,
// gradeTag, drillTag and scheduleRender.

const ATT = {alerts: 0, clocks: 0, breach: false, live: false, muted: localStorage.getItem('yuqing-muted') === '1', audio: null};
const BASE_TITLE = document.title;

// noticeDelta is called by app.js for every delta; only those after the
// first snapshot are news.
function noticeDelta(d) {
  if (!ATT.live) return;
  const e = d.event, p = e.payload || {};
  if (e.type === 'alert.raised.v1') {
    ATT.alerts++;
    ring(1);
    desktop('新预警' + (p.drill ? '（演练）' : ''), alertTitle(p) || p.reason || '');
  } else if (e.type === 'incident.clock_breached.v1' || e.type === 'workorder.breached.v1') {
    ATT.clocks++;
    ATT.breach = true;
    ring(3);
    desktop('时限已超时', clockNotice(e, p));
  } else if (e.type === 'incident.clock_warned.v1' || e.type === 'workorder.warned.v1') {
    ATT.clocks++;
    ring(2);
    desktop('时限即将到期', clockNotice(e, p));
  } else {
    return;
  }
  showAttention();
}

function clockNotice(e, p) {
  const inc = S.incidents.get(e.key) || S.workorders.get(e.key);
  const name = inc ? (inc.title || (inc.received || {}).title || e.key) : e.key;
  return name + ' · ' + (CLOCKS[p.clock] || p.clock || '') + (p.due ? ' · 截止 ' + fmt(p.due) : '');
}

function showAttention() {
  const n = ATT.alerts + ATT.clocks;
  document.title = (ATT.breach ? '【超时】' : '') + (n ? '(' + n + ') ' : '') + BASE_TITLE;
  badge('alerts', ATT.alerts, false);
  badge('incidents', ATT.clocks, ATT.breach);
}

function badge(view, n, urgent) {
  const a = document.querySelector('#nav a[data-view="' + view + '"]');
  if (!a) return;
  let b = a.querySelector('.count');
  if (!n) { if (b) b.remove(); return; }
  if (!b) { b = h('span', {class: 'count'}); a.append(b); }
  b.textContent = String(n);
  b.classList.toggle('urgent', urgent);
}

// Acting on a page is seeing what it counts.
function seen() {
  const view = (location.hash || '#/alerts').split('/')[1] || 'alerts';
  if (view === 'alerts' && ATT.alerts) { ATT.alerts = 0; showAttention(); }
  if ((view === 'incidents' || view === 'incident') && (ATT.clocks || ATT.breach)) { ATT.clocks = 0; ATT.breach = false; showAttention(); }
}
document.addEventListener('pointerdown', (ev) => { if (document.getElementById('view').contains(ev.target)) seen(); }, true);
document.addEventListener('keydown', seen, true);

// A short tone, n times, from the browser itself (no sound file).
function ring(n) {
  if (ATT.muted) return;
  try {
    ATT.audio = ATT.audio || new AudioContext();
    const ctx = ATT.audio;
    if (ctx.state === 'suspended') ctx.resume();
    for (let i = 0; i < n; i++) {
      const o = ctx.createOscillator(), g = ctx.createGain(), t = ctx.currentTime + i * 0.3;
      o.type = 'square';
      o.frequency.value = n >= 3 ? 988 : 784;
      g.gain.setValueAtTime(0.08, t);
      g.gain.exponentialRampToValueAtTime(0.0001, t + 0.22);
      o.connect(g).connect(ctx.destination);
      o.start(t);
      o.stop(t + 0.25);
    }
  } catch (x) { /* no audio device: the title and the menu still count */ }
}

function desktop(title, body) {
  if (!('Notification' in window) || Notification.permission !== 'granted' || document.visibilityState === 'visible' && document.hasFocus()) return;
  try { new Notification(title, {body, tag: 'yuqing-' + title, lang: 'zh-CN'}); } catch (x) {}
}

// Header controls: sound on/off, desktop notifications.
(function controls() {
  const right = document.querySelector('header .right');
  const mute = h('button', {id: 'mute', class: 'quiet', type: 'button', title: '新预警和时限提醒的提示音'});
  const label = () => { mute.textContent = ATT.muted ? '提示音：关' : '提示音：开'; };
  mute.addEventListener('click', () => {
    ATT.muted = !ATT.muted;
    localStorage.setItem('yuqing-muted', ATT.muted ? '1' : '0');
    label();
    if (!ATT.muted) ring(1);
  });
  label();
  right.prepend(mute);
  if ('Notification' in window && Notification.permission === 'default') {
    const ask = h('button', {id: 'notify-ask', class: 'quiet', type: 'button'}, '开启桌面通知');
    ask.addEventListener('click', () => Notification.requestPermission().then(() => ask.remove()));
    right.prepend(ask);
  }
})();

// ---- the incident board, most urgent first ----
const IF = {grade: '', unit: '', kind: '', mine: false};

// urgency is the time to the soonest running clock (negative: breached),
// Infinity for an incident with none running.
function urgency(i, now) {
  let best = Infinity;
  for (const c of Object.values(i.clocks || {})) if (!c.stopped && !c.cancelled) best = Math.min(best, new Date(c.due) - now);
  return best;
}
const unitsOf = (i) => [...new Set([i.lead, ...(i.units || []).map(u => u.name)].filter(Boolean))];

function viewIncidents() {
  const now = Date.now();
  const all = [...S.incidents.values()].filter(i => i.status === 'open');
  // An incident by hand: a story known by phone, from a leader, from the press.
  let byHand = null;
  if (can('duty_officer')) {
    const title = h('input', {name: 'title', placeholder: '事件名称', required: true, size: 30}), found = dateTimeInput('detected_at');
    const drill = h('input', {name: 'drill', type: 'checkbox'});
    byHand = h('details', {class: 'card by-hand'}, h('summary', {}, '手动建立事件'),
      actionForm('建立', [field('名称', title), field('发现时间（北京时间，空为现在）', found), field('演练', drill)], async () => {
        const out = await api('POST', '/api/v1/incidents', {title: title.value, drill: drill.checked,
          detected_at: bjInstant(found.value) || undefined});
        location.hash = '#/incident/' + encodeURIComponent(out.id);
      }));
  }
  if (!all.length) return h('div', {}, byHand, h('div', {class: 'card muted', id: 'incidents-empty'}, '暂无处置中的事件。'));
  const me = S.me ? [S.me.display_name, S.me.username].filter(Boolean) : [];
  const shown = all.filter(i => (!IF.grade || String(i.grade || 0) === IF.grade) && (!IF.unit || unitsOf(i).includes(IF.unit)) &&
    (!IF.kind || (IF.kind === 'drill') === !!i.drill) && (!IF.mine || me.includes(i.lead)))
    .sort((a, b) => urgency(a, now) - urgency(b, now) || new Date(a.detected_at) - new Date(b.detected_at) || a.id.localeCompare(b.id));
  const u = all.map(i => urgency(i, now));
  const breached = u.filter(x => x <= 0).length, soon = u.filter(x => x > 0 && x <= 3600e3).length;
  const pick = (key, opts) => {
    const s = h('select', {name: 'filter-' + key, onchange: () => { IF[key] = s.value; scheduleRender(); }}, opts.map(([v, t]) => h('option', {value: v}, t)));
    s.value = IF[key];
    return s;
  };
  const units = [...new Set(all.flatMap(unitsOf))].sort();
  const mine = h('input', {type: 'checkbox', name: 'filter-mine', onchange: () => { IF.mine = mine.checked; scheduleRender(); }});
  mine.checked = IF.mine;
  return h('div', {}, byHand,
    h('div', {class: 'card board-head'},
      h('div', {id: 'incident-summary', class: 'summary'},
        h('span', {class: breached ? 'breached' : 'muted'}, breached + ' 已超时'), ' · ',
        h('span', {class: soon ? 'soon' : 'muted'}, soon + ' 一小时内到期'), ' · ', all.length + ' 处置中'),
      h('div', {class: 'filters'},
        pick('grade', [['', '全部等级'], ['1', 'Ⅰ级'], ['2', 'Ⅱ级'], ['3', 'Ⅲ级'], ['4', 'Ⅳ级'], ['0', '未定级']]),
        pick('unit', [['', '全部单位'], ...units.map(x => [x, x])]),
        pick('kind', [['', '真实与演练'], ['real', '仅真实'], ['drill', '仅演练']]),
        h('label', {}, mine, '我牵头的'))),
    shown.length ? h('div', {class: 'grid', id: 'incidents'}, shown.map(i => {
      const left = urgency(i, now);
      return h('div', {class: 'card' + (left <= 0 ? ' breached' : left <= 3600e3 ? ' soon' : ''), 'data-incident': i.id},
        h('div', {}, gradeTag(i.grade), ' ', drillTag(i.drill), ' ', h('a', {href: '#/incident/' + encodeURIComponent(i.id)}, h('b', {}, i.title))),
        h('div', {class: 'muted'}, '牵头：', i.lead || '未指派', ' · 发现 ', fmt(i.detected_at)),
        clockRows(i), draftLine(i));
    })) : h('div', {class: 'card muted'}, '没有符合筛选条件的事件。'));
}
