// The demo client. Live data uses only the documented protocol: a cookie-authenticated socket,
// falling back to GET /api/ws/token + {"type":"auth"}, then "subscribe" per server. It reconnects with
// exponential backoff and jitter and subscribes again after every auth_success. Opening a card's console
// adds "events":["console"] to that server's subscription; closing it drops console only.
(() => {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/ws`;

  let ws = null;
  let servers = [];          // [{id, name}] the logged-in user may see
  let authenticated = false;
  let attempt = 0;           // reconnect attempts since the last successful auth
  let reconnectTimer = null;
  let cookieWaitTimer = null;
  let pingTimer = null;
  let generation = 0;        // bumps on every user switch; stale sockets ignore themselves
  const lastUpdate = new Map();
  const CONSOLE_KEEP = 500;  // lines (and markers) kept on screen
  let consoleServerId = null;
  const CHART_WINDOW_MS = 3 * 60 * 1000; // what a card's usage chart shows: the last three minutes
  const SPARK_W = 120;       // the charts' drawing units; CSS sizes them
  const SPARK_H = 28;
  const usage = new Map();   // serverId -> [{at, cpu, memory}] from server:stats, while it runs
  const limits = new Map();  // serverId -> {cpu, memory} from the last server:sync

  function setState(state, text) {
    $('state').dataset.state = state;
    $('state-text').textContent = text;
  }

  function showMessage(text) {
    $('message').textContent = text;
    $('message').hidden = !text;
  }

  async function loadUsers() {
    const users = await (await fetch('/demo/users')).json();
    const list = $('users');
    list.replaceChildren(...users.map((u) => {
      const b = document.createElement('button');
      b.dataset.userId = u.id;
      b.innerHTML = '<span class="name"></span><span class="desc"></span>';
      b.querySelector('.name').textContent = u.name;
      b.querySelector('.desc').textContent = u.description;
      b.addEventListener('click', () => logIn(u.id));
      return b;
    }));
  }

  async function logIn(userId) {
    // Leave the previous user's state at once, before the login round trip.
    generation++;
    stop();
    setState('connecting', 'switching user');
    $('cards').replaceChildren();
    hideConsole();
    document.querySelectorAll('#users button').forEach((b) => b.classList.toggle('selected', b.dataset.userId === userId));
    await fetch('/demo/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId }) });
    await start();
  }

  async function start() {
    generation++;
    stop();
    $('cards').replaceChildren();
    hideConsole();
    lastUpdate.clear();
    usage.clear();
    limits.clear();
    const body = await (await fetch('/demo/servers', { credentials: 'same-origin' })).json();
    if (!body.userId) {
      servers = [];
      $('user-label').textContent = '';
      showMessage('This user is not authenticated: the relay refuses the session (banned or expired).');
    } else {
      servers = body.servers;
      $('user-label').textContent = `Logged in as ${body.userId}.`;
      showMessage(servers.length ? '' : 'This user has no access to any server, so nothing is shown.');
      servers.forEach((s) => $('cards').appendChild(card(s)));
    }
    connect(generation);
  }

  function stop() {
    clearTimeout(reconnectTimer);
    clearTimeout(cookieWaitTimer);
    clearInterval(pingTimer);
    if (ws) {
      ws.onclose = null;
      ws.close(1000);
      ws = null;
    }
    authenticated = false;
  }

  function connect(gen) {
    setState('connecting', 'connecting');
    const socket = new WebSocket(wsUrl);
    ws = socket;
    socket.onopen = () => {
      if (gen !== generation) return;
      setState('authenticating', 'authenticating');
      // A valid cookie authenticates at connect; give it 500 ms, then use the token path.
      cookieWaitTimer = setTimeout(() => tokenAuth(socket, gen), 500);
    };
    socket.onmessage = (event) => {
      if (gen !== generation) return;
      handle(JSON.parse(event.data));
    };
    socket.onclose = () => {
      if (gen !== generation) return;
      authenticated = false;
      clearInterval(pingTimer);
      clearTimeout(cookieWaitTimer);
      // Exponential backoff with full jitter, capped, so a relay restart is not met by a synchronized storm.
      const base = Math.min(15000, 500 * 2 ** attempt);
      const delay = Math.round(base / 2 + Math.random() * base / 2);
      attempt++;
      setState('reconnecting', `reconnecting in ${(delay / 1000).toFixed(1)} s`);
      reconnectTimer = setTimeout(() => connect(gen), delay);
    };
  }

  async function tokenAuth(socket, gen) {
    if (authenticated || gen !== generation) return;
    const response = await fetch('/api/ws/token', { credentials: 'same-origin' });
    if (gen !== generation || socket.readyState !== WebSocket.OPEN) return;
    if (!response.ok) {
      setState('refused', 'not authenticated');
      return;
    }
    const { token } = await response.json();
    socket.send(JSON.stringify({ type: 'auth', token }));
  }

  function handle(message) {
    switch (message.type) {
      case 'auth_success':
        authenticated = true;
        attempt = 0;
        clearTimeout(cookieWaitTimer);
        setState('live', 'live');
        servers.forEach((s) => ws.send(JSON.stringify(s.id === consoleServerId
          ? { type: 'subscribe', serverId: s.id, events: ['console'] }
          : { type: 'subscribe', serverId: s.id })));
        clearInterval(pingTimer);
        pingTimer = setInterval(() => ws && ws.readyState === WebSocket.OPEN && ws.send('{"type":"ping"}'), 30000);
        break;
      case 'auth_error':
        setState('refused', message.error);
        break;
      case 'server:sync':
        update(message.serverId, message.data);
        break;
      case 'server:status': {
        const el = cardOf(message.serverId);
        if (el) setStatus(el, message.data.status);
        break;
      }
      case 'server:stats':
        showStats(message.serverId, message.data);
        break;
      case 'server:console':
        if (message.serverId === consoleServerId) appendConsole(message.data.lines, message.data.dropped || 0);
        break;
      case 'error':
        if (message.serverId && message.serverId === consoleServerId && /console/i.test(message.error)) {
          $('console-error').textContent = message.error;
          $('console-error').hidden = false;
        } else {
          console.warn('relay error:', message.error);
        }
        break;
      default:
        break;
    }
  }

  function card(server) {
    const el = document.createElement('article');
    el.className = 'card';
    el.dataset.serverId = server.id;
    el.innerHTML = `
      <div class="top"><span class="name"></span><span class="status" data-status="">waiting</span></div>
      <dl>
        <dt>node</dt><dd class="node">-</dd>
        <dt>address</dt><dd class="address">-</dd>
        <dt>cpu</dt><dd class="cpu">-</dd>
        <dt>memory</dt><dd class="memory">-</dd>
        <dt>disk</dt><dd class="disk">-</dd>
        <dt>game</dt><dd class="blueprint">-</dd>
        <dt>usage</dt><dd class="usage">-</dd>
      </dl>
      <div class="charts" hidden>
        ${chart('cpu')}
        ${chart('memory')}
      </div>
      <div class="bottom"><span class="age">no update yet</span><button class="open-console">console</button></div>`;
    el.querySelector('.name').textContent = server.name;
    el.querySelector('.open-console').addEventListener('click', () => openConsole(server.id, server.name));
    return el;
  }

  // A sparkline of one resource: its usage over the chart window, from 0 (bottom) to the limit (top).
  function chart(resource) {
    return `<div class="chart ${resource}-chart"><span class="label">${resource}</span>
      <svg class="spark" viewBox="0 0 ${SPARK_W} ${SPARK_H}" preserveAspectRatio="none" role="img">
        <line class="limit" x1="0" y1="1" x2="${SPARK_W}" y2="1"></line><polyline></polyline></svg>
      <span class="now"></span></div>`;
  }
  function cardOf(serverId) {
    return document.querySelector(`.card[data-server-id="${CSS.escape(serverId)}"]`);
  }

  function setStatus(el, value) {
    const status = el.querySelector('.status');
    const changed = status.dataset.status !== value;
    status.dataset.status = value;
    status.textContent = value;
    if (value !== 'running') {
      // Charts show a running server; the next run starts a fresh one (its limits may have changed).
      usage.delete(el.dataset.serverId);
      el.querySelector('.charts').hidden = true;
    }
    if (changed) {
      el.classList.add('flash');
      setTimeout(() => el.classList.remove('flash'), 600);
    }
  }

  function showStats(serverId, data) {
    const el = cardOf(serverId);
    if (!el) return;
    el.querySelector('.usage').textContent = `${data.cpu} % cpu · ${data.memory} MiB`;
    const now = Date.now();
    const samples = (usage.get(serverId) || []).filter((s) => s.at > now - CHART_WINDOW_MS);
    samples.push({ at: now, cpu: data.cpu, memory: data.memory });
    usage.set(serverId, samples);
    drawCharts(el, samples);
  }

  function drawCharts(el, samples) {
    const limit = limits.get(el.dataset.serverId) || {};
    const draw = (resource, unit) => {
      const box = el.querySelector(`.${resource}-chart`);
      const values = samples.map((s) => s[resource]);
      // Scaled to the limit shown on the card; before the first sync, to the highest value seen.
      const top = limit[resource] || Math.max(...values, 1);
      // Oldest on the left, newest on the right, spread over the width (a level line for one sample).
      const x = (i) => (samples.length === 1 ? i : i / (samples.length - 1)) * SPARK_W;
      const y = (value) => SPARK_H - (value / top) * (SPARK_H - 2);
      const points = (samples.length === 1 ? [samples[0], samples[0]] : samples)
        .map((s, i) => `${x(i).toFixed(1)},${y(s[resource]).toFixed(1)}`);
      box.querySelector('polyline').setAttribute('points', points.join(' '));
      box.querySelector('.now').textContent = `${values[values.length - 1]} ${unit}`;
      box.title = `${resource}: last ${CHART_WINDOW_MS / 60000} minutes, of a ${top} ${unit} limit`;
    };
    draw('cpu', '%');
    draw('memory', 'MiB');
    el.querySelector('.charts').hidden = false;
  }

  function sendConsole(type, serverId) {
    if (authenticated && ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type, serverId, events: ['console'] }));
    }
  }

  function openConsole(serverId, name) {
    if (consoleServerId && consoleServerId !== serverId) sendConsole('unsubscribe', consoleServerId);
    consoleServerId = serverId;
    $('console-title').textContent = name;
    const waiting = document.createElement('div');
    waiting.className = 'waiting';
    waiting.textContent = 'waiting for output…';
    $('console-lines').replaceChildren(waiting);
    $('console-error').hidden = true;
    $('console').hidden = false;
    // The panel sits below the grid: bring it to where the visitor is looking.
    $('console').scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    sendConsole('subscribe', serverId);
  }

  function closeConsole() {
    if (consoleServerId) sendConsole('unsubscribe', consoleServerId);
    hideConsole();
  }

  function hideConsole() {
    consoleServerId = null;
    $('console').hidden = true;
  }

  async function crashNow() {
    if (!consoleServerId) return;
    await fetch(`/demo/servers/${encodeURIComponent(consoleServerId)}/crash`, { method: 'POST', credentials: 'same-origin' });
  }

  function appendConsole(lines, dropped) {
    const box = $('console-lines');
    box.querySelectorAll('.waiting').forEach((w) => w.remove());
    const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
    const added = lines.map((text) => {
      const line = document.createElement('div');
      line.className = 'line';
      line.textContent = text;
      return line;
    });
    if (dropped > 0) {
      const marker = document.createElement('div');
      marker.className = 'dropped';
      marker.textContent = `${dropped} ${dropped === 1 ? 'line' : 'lines'} dropped`;
      added.push(marker);
    }
    box.append(...added.slice(-CONSOLE_KEEP));
    while (box.childElementCount > CONSOLE_KEEP) box.firstElementChild.remove();
    if (atBottom) box.scrollTop = box.scrollHeight;
  }

  function update(serverId, data) {
    const el = cardOf(serverId);
    if (!el) return;
    const set = (sel, text) => { el.querySelector(sel).textContent = text; };
    setStatus(el, data.status);
    set('.name', data.name);
    set('.node', `${data.node.displayName} · ${data.node.location.name}`);
    const primary = data.allocations.find((a) => a.isPrimary) || data.allocations[0];
    set('.address', primary ? `${primary.ip}:${primary.port}` : 'none');
    set('.cpu', `${data.cpu} %`);
    set('.memory', `${data.memory} MiB`);
    set('.disk', `${data.disk} MiB`);
    set('.blueprint', data.blueprint.name);
    limits.set(serverId, { cpu: data.cpu, memory: data.memory });
    lastUpdate.set(serverId, Date.now());
    renderAges();
  }

  function renderAges() {
    document.querySelectorAll('.card').forEach((el) => {
      const at = lastUpdate.get(el.dataset.serverId);
      if (at) el.querySelector('.age').textContent = `updated ${Math.round((Date.now() - at) / 1000)} s ago`;
    });
  }

  $('console-close').addEventListener('click', closeConsole);
  $('console-crash').addEventListener('click', crashNow);
  setInterval(renderAges, 1000);
  // Still logged in from an earlier visit: show that user's servers at once.
  loadUsers().then(() => fetch('/demo/servers')).then((r) => r.json()).then((body) => { if (body.userId) start(); });
})();
