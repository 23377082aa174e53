// mjhook inspect: the page. Plain DOM, no framework. Every string that
// comes from a delivery is inserted as text (textContent, text nodes,
// attribute values), never as HTML.
'use strict';

const state = {
  deliveries: new Map(), // id -> summary
  view: { kind: 'deliveries', id: null },
  config: { replay: false, replay_receiver: false },
  detail: null, // the delivery shown
};

// el builds an element: attrs are set as properties or attributes, children
// are elements or strings (which become text nodes).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k.startsWith('data-')) e.setAttribute(k, String(v));
    else e[k] = v;
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    e.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return e;
}

const $ = (sel) => document.querySelector(sel);

async function getJSON(path) {
  const r = await fetch(path, { headers: { Accept: 'application/json' } });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

function time(iso) {
  const d = new Date(iso);
  return d.toLocaleTimeString(undefined, { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

function statusClass(s) { return 's' + String(s)[0]; }

function reasonOf(d) {
  if (d.status < 300) return d.outcome || 'delivered';
  return d.reason || '';
}

// ---- the list of deliveries ----

function matches(d) {
  const st = $('#f-status').value, ev = $('#f-event').value, job = $('#f-job').value.trim();
  if (st && String(d.status)[0] !== st) return false;
  if (ev && d.event !== ev) return false;
  if (job && !(d.job_id || '').includes(job)) return false;
  return true;
}

function deliveryRow(d) {
  const reason = reasonOf(d) + (d.replay_of ? ' (replay of #' + d.replay_of + ')' : '');
  return el('tr', { 'data-id': d.id, class: state.view.kind === 'delivery' && state.view.id === String(d.id) ? 'selected' : '',
    onclick: () => { location.hash = '#/deliveries/' + d.id; } },
  el('td', {}, String(d.id)),
  el('td', {}, time(d.received)),
  el('td', { class: 'status ' + statusClass(d.status) }, String(d.status)),
  el('td', { class: 'reason' }, reason),
  el('td', { class: 'event' }, d.event || ''),
  el('td', { class: 'job', title: d.job_id || '' }, d.job_id || ''),
  el('td', {}, d.duration_ms.toFixed(2) + ' ms'));
}

function renderDeliveries() {
  const tbody = $('#deliveries tbody');
  const rows = [...state.deliveries.values()].sort((a, b) => b.id - a.id).filter(matches).map(deliveryRow);
  tbody.replaceChildren(...rows);
  $('#empty').hidden = state.deliveries.size > 0;
}

function addDelivery(d) {
  const isNew = !state.deliveries.has(d.id);
  state.deliveries.set(d.id, d);
  // Keep what the server keeps, at most.
  if (state.deliveries.size > (state.config.size || 1000)) {
    const oldest = Math.min(...state.deliveries.keys());
    state.deliveries.delete(oldest);
  }
  if (state.view.kind === 'deliveries' || state.view.kind === 'delivery') {
    if (isNew && matches(d)) {
      const tbody = $('#deliveries tbody');
      const row = deliveryRow(d);
      const next = [...tbody.children].find((r) => Number(r.dataset.id) < d.id);
      tbody.insertBefore(row, next || null);
      $('#empty').hidden = true;
    } else {
      renderDeliveries();
    }
  }
  if (state.view.kind === 'job' && d.job_id === state.view.id) refreshJob();
  if (state.view.kind === 'jobs') refreshJobs();
}

// coalesce returns a function that runs fn once for a burst of calls:
// delay ms after the first, never twice at once, and once more after a
// run when calls came during it. Live deliveries refresh the job views
// through it, so that the page asks the server at most about once per
// delay however fast they come.
function coalesce(fn, delay) {
  let timer = null, running = false, again = false;
  const schedule = () => {
    if (running) again = true;
    else if (!timer) timer = setTimeout(run, delay);
  };
  const run = async () => {
    timer = null;
    running = true;
    try {
      await fn();
    } catch (_) {
      /* the next delivery refreshes again */
    } finally {
      running = false;
      if (again) { again = false; schedule(); }
    }
  };
  return schedule;
}

const refreshJobs = coalesce(() => (state.view.kind === 'jobs' ? renderJobs() : undefined), 250);
const refreshJob = coalesce(() => (state.view.kind === 'job' ? showJob(state.view.id) : undefined), 250);

// loadDeliveries replaces the list with the server's. Deliveries newer
// than its newest came by the live stream while it was on its way: they
// stay.
async function loadDeliveries() {
  const list = await getJSON('api/deliveries');
  const newest = list.length ? list[0].id : 0;
  for (const id of [...state.deliveries.keys()]) if (id <= newest) state.deliveries.delete(id);
  for (const d of list) state.deliveries.set(d.id, d);
  renderDeliveries();
}

// ---- the list of jobs ----

async function renderJobs() {
  const jobs = await getJSON('api/jobs');
  const job = $('#f-job').value.trim();
  const rows = jobs.filter((j) => !job || j.job_id.includes(job)).map((j) => el('tr', {
    'data-job': j.job_id, class: state.view.id === j.job_id ? 'selected' : '',
    onclick: () => { location.hash = '#/jobs/' + encodeURIComponent(j.job_id); },
  },
  el('td', { class: 'job', title: j.job_id }, j.job_id),
  el('td', {}, j.terminal || j.status || ''),
  el('td', {}, j.progress + ' %'),
  el('td', {}, String(j.events)),
  el('td', {}, j.marked ? String(j.marked) : ''),
  el('td', {}, time(j.last))));
  $('#jobs tbody').replaceChildren(...rows);
  $('#empty').hidden = jobs.length > 0;
}

// ---- one delivery ----

function signatureVerdict(d) {
  const s = d.signature;
  if (s.verified) return el('span', { class: 'badge ok' }, 'verified with secret #' + s.secret);
  if (!s.header) return el('span', { class: 'badge bad' }, 'missing');
  if (d.reason === 'invalid signature') return el('span', { class: 'badge bad' }, 'did not verify against any secret');
  return el('span', { class: 'badge' }, 'not checked (' + (d.reason || 'rejected earlier') + ')');
}

function prettyBody(d) {
  const marks = new Map();
  for (const v of d.violations || []) {
    if (!marks.has(v.pointer)) marks.set(v.pointer, []);
    marks.get(v.pointer).push(v.message);
  }
  const lines = d.pretty.map((l) => {
    const msgs = !l.close && marks.get(l.pointer);
    return el('div', { class: 'line' + (msgs ? ' violation' : ''), 'data-pointer': l.pointer },
      '  '.repeat(l.indent) + l.text,
      msgs ? el('span', { class: 'violation-msg' }, '← ' + msgs.join('; ')) : null);
  });
  return el('div', { class: 'code pretty' }, lines);
}

function shellQuote(s) { return "'" + s.replace(/'/g, "'\\''") + "'"; }

function base64Bytes(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// sign returns the hex HMAC-SHA256 of bytes under secret, computed here,
// in the page: the secret never leaves it.
async function sign(secret, bytes) {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, bytes));
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function curlCommand(d, secret) {
  const sig = await sign(secret, base64Bytes(d.body_base64));
  const args = ['curl -sS -X POST ' + shellQuote(d.url),
    "-H 'Content-Type: application/json'",
    '-H ' + shellQuote('X-Midjourney-Signature: ' + sig)];
  if (d.body_utf8) return [...args, '--data-binary ' + shellQuote(d.body)].join(' \\\n  ');
  // Not UTF-8: carry the exact bytes in base64.
  return 'printf %s ' + shellQuote(d.body_base64) + ' | base64 -d | ' + [...args, '--data-binary @-'].join(' \\\n  ');
}

function replayBox(d) {
  const result = el('div', { class: 'replay-result' });
  const show = (r) => {
    const parts = [el('span', { class: 'status ' + statusClass(r.status) }, String(r.status)), ' ', r.body || ''];
    if (r.id) parts.push(' ', el('a', { href: '#/deliveries/' + r.id }, 'delivery #' + r.id));
    result.replaceChildren('answer: ', ...parts);
  };
  const post = async (url) => {
    result.textContent = 'replaying…';
    try {
      const r = await fetch('api/deliveries/' + d.id + '/replay', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ url }),
      });
      const body = await r.json();
      if (!r.ok) throw new Error(body.error || r.statusText);
      show(body);
    } catch (err) {
      result.textContent = 'replay failed: ' + err.message;
    }
  };
  const urlInput = el('input', { type: 'url', id: 'replay-url', placeholder: 'http://localhost:9000/webhook' });
  const disabled = !state.config.replay || !d.body_kept;
  return el('div', {},
    el('div', { class: 'actions' },
      el('button', { id: 'replay-receiver', disabled: disabled || !state.config.replay_receiver, onclick: () => post('') }, 'Replay to the receiver'),
      urlInput,
      el('button', { id: 'replay-url-button', disabled, onclick: () => post(urlInput.value) }, 'Replay to URL')),
    el('p', { class: 'hint' }, 'Replays are re-signed with the receiver\'s current secret. A replay to the receiver is delivered even if it was handled before (deduplication lets it through); job-state ordering still applies.'),
    result);
}

function curlBox(d) {
  const out = el('textarea', { class: 'curl', id: 'curl', readOnly: true, placeholder: 'the command appears here' });
  const secret = el('input', { type: 'password', id: 'curl-secret', placeholder: 'webhook secret (stays in this page)', autocomplete: 'off' });
  const make = async (ev) => {
    ev.preventDefault();
    if (!secret.value) { out.value = 'type the secret to sign with first'; return; }
    out.value = await curlCommand(d, secret.value);
    out.select();
    try { await navigator.clipboard.writeText(out.value); } catch (_) { /* selected: copy by hand */ }
  };
  return el('form', { class: 'curl-form', onsubmit: make },
    el('div', { class: 'actions' }, secret, el('button', { id: 'curl-button', type: 'submit', disabled: !d.body_kept }, 'Copy as curl')),
    out);
}

async function showDelivery(id) {
  const pane = $('#detail-pane');
  let d;
  try {
    d = await getJSON('api/deliveries/' + id);
  } catch (err) {
    pane.replaceChildren(el('p', { class: 'hint' }, err.message));
    return;
  }
  state.detail = d;
  const head = el('h2', { id: 'delivery-title' }, 'Delivery #' + d.id + ' ',
    el('span', { class: 'status ' + statusClass(d.status) }, String(d.status)), ' ',
    el('span', { class: 'reason' }, reasonOf(d)),
    d.replay_of ? el('span', { class: 'badge mark-replay' }, 'replay of #' + d.replay_of) : null);
  const info = el('dl', { class: 'kv' },
    el('dt', {}, 'request'), el('dd', {}, d.method + ' ' + d.url),
    el('dt', {}, 'from'), el('dd', {}, d.remote),
    el('dt', {}, 'received'), el('dd', {}, new Date(d.received).toISOString()),
    el('dt', {}, 'duration'), el('dd', {}, d.duration_ms.toFixed(3) + ' ms (subscriber ' + d.subscriber_ms.toFixed(3) + ' ms)'),
    d.job_id ? [el('dt', {}, 'job'), el('dd', {}, el('a', { href: '#/jobs/' + encodeURIComponent(d.job_id) }, d.job_id))] : null);
  const sig = el('dl', { class: 'kv', id: 'signature' },
    el('dt', {}, 'header'), el('dd', {}, d.signature.header || '(none)'),
    el('dt', {}, 'verdict'), el('dd', {}, signatureVerdict(d)));
  const headers = el('dl', { class: 'kv', id: 'headers' }, d.headers.map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  const parts = [head, info, el('h3', {}, 'Signature'), sig, el('h3', {}, 'Headers'), headers];
  if (d.error) parts.push(el('h3', {}, 'Error'), el('p', { class: 'error-box', id: 'error' }, d.error));
  if (d.violations && d.violations.length) {
    parts.push(el('h3', {}, 'Violations' + (d.total_violations > d.violations.length ? ' (first ' + d.violations.length + ' of ' + d.total_violations + ')' : '')),
      el('ul', { class: 'violations' }, d.violations.map((v) => el('li', {}, (v.pointer || '(root)') + ': ' + v.message))));
  }
  parts.push(el('h3', {}, 'Body'));
  if (!d.body_kept) parts.push(el('p', { class: 'hint' }, 'No body was kept.'));
  else if (d.pretty) parts.push(prettyBody(d), el('details', {}, el('summary', {}, 'exact raw body'), el('pre', { class: 'code', id: 'raw-body' }, d.body)));
  else parts.push(el('pre', { class: 'code', id: 'raw-body' }, d.body));
  if (d.message) parts.push(el('h3', {}, 'Decoded event'), el('pre', { class: 'code', id: 'decoded' }, d.message ? JSON.stringify(d.message, null, 2) : ''));
  parts.push(el('h3', {}, 'Replay'), replayBox(d), el('h3', {}, 'Copy as curl'), curlBox(d));
  pane.replaceChildren(...parts);
}

// ---- one job ----

const stages = ['pending', 'in_progress'];

async function showJob(id) {
  const pane = $('#detail-pane');
  let j;
  try {
    j = await getJSON('api/jobs/' + encodeURIComponent(id));
  } catch (err) {
    pane.replaceChildren(el('p', { class: 'hint' }, err.message));
    return;
  }
  if (state.view.kind !== 'job' || state.view.id !== id) return;
  const reached = new Set(j.events.filter((e) => e.http_status < 300 && e.outcome === 'delivered').map((e) => e.status));
  const terminal = j.terminal || 'completed';
  const stageList = el('ol', { class: 'stages' },
    stages.map((s) => el('li', { class: reached.has(s) ? 'reached' : '' }, s)),
    el('li', { class: (j.terminal ? 'reached ' : '') + terminal }, j.terminal || 'terminal'));
  const parts = [
    el('h2', { id: 'job-title' }, 'Job ', el('span', { class: 'job-id' }, j.job_id), ' ',
      j.terminal ? el('span', { class: 'badge ' + (j.terminal === 'completed' ? 'ok' : 'bad'), id: 'terminal' }, j.terminal) : el('span', { class: 'badge' }, j.status || 'unknown')),
    el('dl', { class: 'kv' },
      j.type ? [el('dt', {}, 'type'), el('dd', {}, j.type)] : null,
      j.prompt ? [el('dt', {}, 'prompt'), el('dd', { class: 'prompt', id: 'job-prompt' }, j.prompt)] : null),
    el('h3', {}, 'Progress'),
    el('progress', { id: 'job-progress', max: 100, value: j.progress }), el('span', {}, j.progress + ' %'),
    stageList,
  ];
  if (j.error) {
    parts.push(el('h3', {}, 'Error'), el('div', { class: 'error-box', id: 'job-error' },
      el('strong', {}, j.error.code || '(no code)'), ': ', j.error.message || ''));
  }
  if (j.images && j.images.length) {
    parts.push(el('h3', {}, 'Result images'), el('div', { class: 'images' }, j.images.map((img, i) => {
      const ok = /^https?:\/\//i.test(img.url);
      return el('figure', {},
        ok ? el('img', { src: img.url, alt: 'image ' + (img.index ?? i), loading: 'lazy', referrerPolicy: 'no-referrer' }) : null,
        el('figcaption', {}, img.url + (img.width ? ' (' + img.width + '×' + img.height + ')' : '')));
    })));
  }
  if (j.prompts && j.prompts.length) {
    parts.push(el('h3', {}, 'Prompts'), el('ul', {}, j.prompts.map((p) => el('li', {}, p))));
  }
  parts.push(el('h3', {}, 'Timeline (arrival order)'), el('ol', { class: 'timeline', id: 'timeline' }, j.events.map((e) => el('li', {
    class: e.marks && e.marks.length ? 'marked' : '', 'data-id': e.id, 'data-event': e.event,
    'data-progress': e.progress ?? '', 'data-marks': (e.marks || []).join(','),
  },
  el('a', { href: '#/deliveries/' + e.id }, '#' + e.id), ' ', time(e.received), ' ',
  el('strong', {}, e.event), ' ', e.status, e.progress !== undefined ? ' ' + e.progress + ' %' : '', ' → ',
  el('span', { class: 'status ' + statusClass(e.http_status) }, String(e.http_status)), ' ', e.outcome || e.reason || '', ' ',
  (e.marks || []).map((m) => el('span', { class: 'badge mark mark-' + m.replace(/ /g, '-') }, m))))));
  pane.replaceChildren(...parts);
}

// ---- navigation and live updates ----

function route() {
  const h = location.hash.replace(/^#/, '');
  let m;
  if ((m = h.match(/^\/deliveries\/(\d+)$/))) state.view = { kind: 'delivery', id: m[1] };
  else if ((m = h.match(/^\/jobs\/(.+)$/))) state.view = { kind: 'job', id: decodeURIComponent(m[1]) };
  else if (h === '/jobs') state.view = { kind: 'jobs', id: null };
  else state.view = { kind: 'deliveries', id: null };
  const jobs = state.view.kind === 'jobs' || state.view.kind === 'job';
  $('#nav-jobs').classList.toggle('active', jobs);
  $('#nav-deliveries').classList.toggle('active', !jobs);
  $('#deliveries').hidden = jobs;
  $('#jobs').hidden = !jobs;
  if (jobs) renderJobs(); else renderDeliveries();
  if (state.view.kind === 'delivery') showDelivery(state.view.id);
  else if (state.view.kind === 'job') showJob(state.view.id);
  else $('#detail-pane').replaceChildren(el('p', { class: 'hint' }, jobs ? 'Pick a job.' : 'Pick a delivery.'));
}

function connect() {
  const live = $('#live');
  const es = new EventSource('events');
  es.addEventListener('open', () => {
    live.textContent = 'live';
    live.className = 'live on';
    loadDeliveries(); // whatever arrived while disconnected
  });
  es.addEventListener('error', () => {
    live.textContent = 'reconnecting…';
    live.className = 'live off';
  });
  es.addEventListener('delivery', (ev) => addDelivery(JSON.parse(ev.data)));
  es.addEventListener('reset', () => loadDeliveries());
}

async function start() {
  try { state.config = await getJSON('api/config'); } catch (_) { /* defaults */ }
  for (const id of ['f-status', 'f-event', 'f-job']) {
    $('#' + id).addEventListener('input', () => (state.view.kind === 'jobs' || state.view.kind === 'job' ? renderJobs() : renderDeliveries()));
  }
  $('#filters').addEventListener('submit', (ev) => ev.preventDefault());
  window.addEventListener('hashchange', route);
  route();
  connect();
}

start();
