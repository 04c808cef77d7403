// Run durations over time for one workflow, as an SVG line chart (no library): x is when
// the run started, y how long it took; each point is a run, coloured by its result, with
// its own tooltip and link. A table with the same numbers follows for screen readers.

import {h, s, formatDuration, statusLabel} from './dom.js';

const M = {top: 14, right: 16, bottom: 34, left: 58};

// Round step for about `count` ticks over [0, max].
function niceStep(max, count) {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  const unit = [1, 2, 5, 10].find((m) => m * power >= raw) * power;
  return unit || 1;
}

// Ticks in time units people read: seconds, minutes or hours.
function durationTicks(max) {
  const units = [1000, 60000, 3600000];
  const unit = units.filter((u) => max / u >= 1).pop() || 1000;
  const step = niceStep(max / unit, 4) * unit;
  const ticks = [];
  for (let t = 0; t <= max * 1.0001; t += step) ticks.push(t);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

// runs: [{id, run_number, status, started_ms, finished_ms}] (finished ones are drawn).
// width: the drawing's width in CSS pixels (text stays 11px whatever the screen).
export function durationChart(runs, {title, hrefFor, width = 720} = {}) {
  const W = Math.max(300, Math.round(width));
  const H = W < 500 ? 200 : 240;
  const points = runs
    .filter((run) => run.started_ms && run.finished_ms && run.finished_ms >= run.started_ms)
    .map((run) => ({run, x: run.started_ms, y: run.finished_ms - run.started_ms}))
    .sort((a, b) => a.x - b.x);
  const figure = h('figure', {class: 'chart'});
  if (title) figure.appendChild(h('figcaption', null, title));
  if (!points.length) {
    figure.appendChild(h('p', {class: 'muted'}, 'No finished runs yet.'));
    return figure;
  }
  const maxY = Math.max(...points.map((p) => p.y), 1);
  const ticks = durationTicks(maxY);
  const top = ticks[ticks.length - 1];
  const minX = points[0].x;
  const maxX = points[points.length - 1].x;
  const spanX = Math.max(maxX - minX, 1);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const px = (x) => M.left + (points.length === 1 ? plotW / 2 : ((x - minX) / spanX) * plotW);
  const py = (y) => M.top + plotH - (y / top) * plotH;

  const svg = s('svg', {class: 'duration-chart', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img',
    'aria-label': `${title || 'Run durations'}: ${points.length} runs, longest ${formatDuration(maxY)}`});
  const grid = s('g', {class: 'chart-grid'});
  for (const t of ticks) {
    grid.appendChild(s('line', {x1: M.left, x2: W - M.right, y1: py(t), y2: py(t)}));
    grid.appendChild(s('text', {class: 'chart-label', x: M.left - 6, y: py(t) + 4, 'text-anchor': 'end'}, t === 0 ? '0' : formatDuration(t)));
  }
  svg.appendChild(grid);
  // Time axis: first, (middle,) last start; times of day when the runs span under a day.
  const format = spanX < 86400000 ? {hour: '2-digit', minute: '2-digit'}
    : spanX < 7 * 86400000 ? {weekday: 'short', hour: '2-digit', minute: '2-digit'} : {month: 'short', day: 'numeric'};
  const dateLabel = (ms) => new Date(ms).toLocaleString(undefined, format);
  const xs = points.length === 1 || spanX < 60000 ? [minX] : W < 500 ? [minX, maxX] : [minX, minX + spanX / 2, maxX];
  xs.forEach((x, i) => svg.appendChild(s('text', {
    class: 'chart-label', x: xs.length === 1 ? px(points.length === 1 ? x : minX + spanX / 2) : px(x), y: H - 10,
    'text-anchor': xs.length === 1 ? 'middle' : i === 0 ? 'start' : i === xs.length - 1 ? 'end' : 'middle',
  }, dateLabel(x))));
  svg.appendChild(s('line', {class: 'chart-axis', x1: M.left, x2: W - M.right, y1: py(0), y2: py(0)}));
  svg.appendChild(s('polyline', {class: 'chart-line', points: points.map((p) => `${px(p.x)},${py(p.y)}`).join(' ')}));
  for (const p of points) {
    const label = `Run #${p.run.run_number || p.run.id}: ${formatDuration(p.y)}, ${statusLabel(p.run.status)}, ${new Date(p.x).toLocaleString()}`;
    const dot = s('circle', {class: `chart-point status-${p.run.status}`, cx: px(p.x), cy: py(p.y), r: 4.5}, s('title', null, label));
    svg.appendChild(hrefFor ? s('a', {href: hrefFor(p.run), 'aria-label': label}, dot) : dot);
  }
  figure.appendChild(h('div', {class: 'chart-scroll'}, svg));
  const rows = points.slice().reverse().map((p) => h('tr', null,
    h('td', null, hrefFor ? h('a', {href: hrefFor(p.run)}, `#${p.run.run_number || p.run.id}`) : `#${p.run.run_number || p.run.id}`),
    h('td', null, new Date(p.x).toLocaleString()),
    h('td', null, formatDuration(p.y)),
    h('td', null, statusLabel(p.run.status))));
  figure.appendChild(h('details', {class: 'chart-table'}, h('summary', null, 'Show as a table'),
    h('div', {class: 'table-scroll'}, h('table', null,
      h('thead', null, h('tr', null, ['Run', 'Started', 'Duration', 'Result'].map((c) => h('th', {scope: 'col'}, c)))),
      h('tbody', null, rows)))));
  return figure;
}
