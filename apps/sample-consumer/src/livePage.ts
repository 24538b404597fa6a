// The live page: world state, players' inventories, events as they arrive, queue and DLQ depths. Served at `/`.
export const LIVE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Game event mesh — live</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f4f6fa; }
  body { margin: 0 auto; max-width: 1100px; padding: 1.5rem; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; } p.sub { margin: 0 0 1rem; color: #5b6475; }
  .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: .75rem; margin-bottom: 1rem; }
  .card { background: #fff; border-radius: 10px; padding: .8rem 1rem; box-shadow: 0 1px 3px #0002; }
  .card h2 { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; color: #5b6475; margin: 0 0 .4rem; }
  .big { font-size: 1.3rem; font-weight: 600; }
  table { width: 100%; border-collapse: collapse; background: #fff; border-radius: 10px; overflow: hidden; box-shadow: 0 1px 3px #0002; font-size: .85rem; }
  th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #eef0f4; }
  th { background: #e9edf5; } td.id { font-family: ui-monospace, monospace; color: #5b6475; }
  tr.severe td { background: #fff1f0; } .dot { display: inline-block; width: .6rem; height: .6rem; border-radius: 50%; background: #c33; margin-right: .3rem; }
  .dot.on { background: #2a2; } .bad { color: #c33; font-weight: 600; }
</style>
</head>
<body>
<h1>Game event mesh — live</h1>
<p class="sub"><span id="connection" class="dot"></span><span id="connection-text">connecting…</span> · events from weather-manager and time-manager, through SNS → SQS, as sample-consumer handles them</p>
<div class="cards">
  <div class="card"><h2>Weather</h2><div class="big" id="weather">—</div></div>
  <div class="card"><h2>Game time</h2><div class="big" id="time">—</div></div>
  <div class="card"><h2>Severe weather alerts</h2><div class="big" id="severe">0</div><div id="last-severe"></div></div>
  <div class="card"><h2>Queues (visible / in flight)</h2><div id="queues">—</div></div>
  <div class="card"><h2>Inventories (in order per player)</h2><div id="balances">—</div><div id="inventory-errors" class="bad"></div></div>
</div>
<table>
  <thead><tr><th>handled</th><th>type</th><th>queue</th><th>what</th><th>latency</th><th>event id</th><th>caused by</th></tr></thead>
  <tbody id="events"></tbody>
</table>
<script>
  const $ = (id) => document.getElementById(id);
  const rows = $('events');
  function showState(s) {
    $('weather').textContent = s.weather ? s.weather.condition + ' · ' + s.weather.intensity + ' · ' + s.weather.temperatureCelsius + ' °C' : '—';
    $('time').textContent = s.time ? s.time.phase + ' · day ' + s.time.day + ' · ' + s.time.season : '—';
    $('severe').textContent = String(s.severeAlerts);
    $('last-severe').textContent = s.lastSevere ? 'last: ' + s.lastSevere.condition + ' ' + s.lastSevere.intensity : '';
    const players = Object.entries(s.balances || {});
    $('balances').textContent = players.length ? players.map(([p, items]) => p + ': ' + Object.entries(items).map(([i, n]) => n + ' ' + i).join(', ')).join(' · ') : '—';
    $('inventory-errors').textContent = (s.inventoryErrors || []).join(' · ');
  }
  function addEvent(e) {
    const tr = document.createElement('tr');
    tr.dataset.eventId = e.id;
    if (e.queue === 'severe') tr.className = 'severe';
    for (const text of [e.handledAt.slice(11, 23), e.type, e.queue, e.summary, e.latencyMs + ' ms', e.id, e.causationId || '']) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.appendChild(td);
    }
    // The chain: an event published while another was handled names it; both ids look alike.
    tr.children[5].className = 'id';
    tr.lastChild.className = 'id';
    tr.lastChild.title = e.causationId ? 'correlation ' + e.correlationId : '';
    rows.prepend(tr);
    while (rows.children.length > 100) rows.lastChild.remove();
  }
  function showQueues(q) {
    $('queues').innerHTML = '';
    for (const [name, d] of Object.entries(q)) {
      const div = document.createElement('div');
      div.dataset.queue = name;
      div.textContent = name + ': ' + d.visible + ' / ' + d.inFlight;
      if (name.endsWith('-dlq') && d.visible > 0) div.className = 'bad';
      $('queues').appendChild(div);
    }
  }
  const source = new EventSource('/live/stream');
  source.addEventListener('open', () => { $('connection').className = 'dot on'; $('connection-text').textContent = 'live'; });
  source.addEventListener('error', () => { $('connection').className = 'dot'; $('connection-text').textContent = 'reconnecting…'; });
  source.addEventListener('snapshot', (m) => { const d = JSON.parse(m.data); rows.innerHTML = ''; d.events.slice().reverse().forEach(addEvent); showState(d.state); if (d.queues) showQueues(d.queues); });
  source.addEventListener('event', (m) => { const d = JSON.parse(m.data); addEvent(d.event); showState(d.state); });
  source.addEventListener('queues', (m) => showQueues(JSON.parse(m.data)));
</script>
</body>
</html>
`;
