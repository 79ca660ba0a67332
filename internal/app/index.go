package app

// indexHTML is the minimal live page until the console lands: it shows the
// analysed-mention feed. The viewer token stays in the browser's session.
const indexHTML = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>舆情监测 · 实时信息流</title>
<style>
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f5f6f8;color:#1f2329}
header{background:#b71c1c;color:#fff;padding:12px 20px;font-size:18px}
main{max-width:960px;margin:0 auto;padding:16px}
#status{font-size:13px;color:#646a73;margin-bottom:8px}
.item{background:#fff;border-radius:6px;padding:10px 14px;margin:8px 0;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.meta{font-size:12px;color:#8f959e}
.kw{display:inline-block;background:#fdecea;color:#b71c1c;border-radius:3px;padding:0 6px;margin-right:4px;font-size:12px}
form{margin:40px auto;max-width:360px}
input{width:100%;padding:8px;margin:6px 0}
</style>
</head>
<body>
<header>舆情监测 · 实时信息流</header>
<main>
<form id="login" hidden><label>查看令牌（data/secrets/viewer.token）<input id="tok" type="password" autocomplete="off"></label><button>连接</button></form>
<div id="status">未连接</div>
<div id="list"></div>
</main>
<script>
const list = document.getElementById('list'), status = document.getElementById('status');
function show(it){
  const a = it.analyzed, m = a.mention, d = document.createElement('div');
  d.className = 'item';
  const meta = document.createElement('div'); meta.className = 'meta';
  meta.textContent = m.platform + ' · ' + (m.author && m.author.name || '') + ' · ' + new Date(m.published_at).toLocaleString('zh-CN');
  const text = document.createElement('div'); text.textContent = (m.title ? m.title + '：' : '') + m.text;
  const kws = document.createElement('div');
  (a.keywords || []).forEach(k => { const s = document.createElement('span'); s.className = 'kw'; s.textContent = k; kws.appendChild(s); });
  d.append(meta, text, kws);
  list.prepend(d);
  while (list.children.length > 300) list.lastChild.remove();
}
function connect(){
  const tok = sessionStorage.getItem('yuqing-viewer');
  if (!tok) { document.getElementById('login').hidden = false; return; }
  const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/v1/feed?token=' + encodeURIComponent(tok));
  ws.onopen = () => status.textContent = '已连接，实时更新中';
  ws.onmessage = ev => {
    const msg = JSON.parse(ev.data);
    if (msg.type === 'snapshot') { list.textContent = ''; (msg.items || []).forEach(show); }
    else if (msg.type === 'mention') show(msg.item);
  };
  ws.onclose = ev => { status.textContent = '连接断开（' + (ev.reason || ev.code) + '），3 秒后重连'; setTimeout(connect, 3000); };
}
document.getElementById('login').onsubmit = e => { e.preventDefault(); sessionStorage.setItem('yuqing-viewer', document.getElementById('tok').value.trim()); document.getElementById('login').hidden = true; connect(); };
connect();
</script>
</body>
</html>
`
