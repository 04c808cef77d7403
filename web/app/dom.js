// DOM helpers. Text only ever goes in through text nodes and attributes, never innerHTML:
// run names, log lines and summaries are written by workflows, i.e. untrusted.

const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    else if (key === 'text') el.textContent = String(value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

// h('a', {href: '/runs', class: 'x'}, 'text', childNode, [more])
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

const TERMINAL = new Set(['success', 'failure', 'timed_out', 'cancelled', 'skipped', 'interrupted']);
export const isTerminal = (status) => TERMINAL.has(status);
const FAILED = new Set(['failure', 'timed_out', 'interrupted']);
export const isFailed = (status) => FAILED.has(status);

const STATUS_LABEL = {
  queued: 'Queued', waiting: 'Waiting', running: 'Running', success: 'Success',
  failure: 'Failed', timed_out: 'Timed out', cancelled: 'Cancelled', skipped: 'Skipped',
  interrupted: 'Interrupted',
};
// A glyph per status so that colour is never the only cue.
const STATUS_ICON = {
  queued: '○', waiting: '◷', running: '◐', success: '✓', failure: '✗', timed_out: '⧗',
  cancelled: '⊘', skipped: '↷', interrupted: '!',
};

export const statusLabel = (status) => STATUS_LABEL[status] || status || 'Unknown';
export const statusIcon = (status) => STATUS_ICON[status] || '?';

export function statusPill(status) {
  return h('span', {class: `status status-${status}`},
    h('span', {class: 'status-icon', 'aria-hidden': 'true'}, statusIcon(status)), statusLabel(status));
}

export function formatDuration(ms) {
  if (ms === null || ms === undefined || ms < 0 || Number.isNaN(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

// Duration of a record with started_ms/finished_ms; running ones count up to now.
export function elapsed(record, now = Date.now()) {
  if (!record || !record.started_ms) return null;
  const end = record.finished_ms || (isTerminal(record.status) ? record.started_ms : now);
  return end - record.started_ms;
}

export function formatTime(ms) {
  if (!ms) return '–';
  return new Date(ms).toLocaleString(undefined, {dateStyle: 'medium', timeStyle: 'short'});
}

export function relativeTime(ms, now = Date.now()) {
  if (!ms) return '–';
  const diff = Math.max(0, now - ms) / 1000;
  if (diff < 45) return 'just now';
  if (diff < 3600) return `${Math.round(diff / 60)} min ago`;
  if (diff < 86400) return `${Math.round(diff / 3600)} h ago`;
  return `${Math.round(diff / 86400)} d ago`;
}

export function timeElement(ms) {
  if (!ms) return h('span', {class: 'muted'}, '–');
  return h('time', {datetime: new Date(ms).toISOString(), title: formatTime(ms)}, relativeTime(ms));
}

// "refs/heads/main" -> "main"; tags keep "tag " in front.
export function shortRef(ref) {
  if (!ref) return '';
  if (ref.startsWith('refs/heads/')) return ref.slice(11);
  if (ref.startsWith('refs/tags/')) return `tag ${ref.slice(10)}`;
  return ref;
}

export const shortSha = (sha) => (sha || '').slice(0, 7);

let toastTimer = 0;
export function toast(message, kind = 'info') {
  const el = document.getElementById('toast');
  if (!el) return;
  el.textContent = message;
  el.dataset.kind = kind;
  el.classList.add('visible');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('visible'), 5000);
}

export function errorBox(error) {
  return h('div', {class: 'error-box', role: 'alert'},
    h('strong', null, 'Error: '), error && error.message ? error.message : String(error));
}

// A duration that counts up while the record runs (app.js ticks every .live-duration).
export function durationElement(record) {
  const ms = elapsed(record);
  if (ms === null) return h('span', {class: 'muted'}, '–');
  const running = record.started_ms && !record.finished_ms && !isTerminal(record.status);
  return h('span', {class: running ? 'live-duration' : null, dataset: running ? {start: String(record.started_ms)} : null},
    formatDuration(ms));
}

export function tickDurations(now = Date.now()) {
  for (const el of document.querySelectorAll('.live-duration[data-start]')) {
    el.textContent = formatDuration(now - Number(el.dataset.start));
  }
}
