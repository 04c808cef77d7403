// The job graph of a run as an SVG DAG: jobs in layers from `needs` (a job sits one layer
// right of the furthest job it needs), ordered within a layer by where their needs sit
// (one barycentre pass keeps crossings down), edges as curves, nodes coloured by status.

import {s, statusIcon, statusLabel, formatDuration, elapsed} from './dom.js';

const NODE_W = 188;
const NODE_H = 44;
const GAP_X = 56;
const GAP_Y = 14;
const PAD = 8;
const NODE_W_NARROW = 148;
const GAP_X_NARROW = 30;

// The records that only group others (a matrix job "build" next to its "build (linux)"
// instances, a reusable-workflow caller "call" next to "call / one") are not drawn: their
// instances are.
export function graphJobs(jobs) {
  const byId = new Map();
  for (const job of jobs) {
    const id = job.id || job.job_id || job.key;
    if (!byId.has(id)) byId.set(id, []);
    byId.get(id).push(job);
  }
  const drawn = jobs.filter((job) => {
    const id = job.id || job.job_id || job.key;
    const isGroup = job.key === id && (byId.get(id).length > 1 ||
      jobs.some((other) => other !== job && other.key.startsWith(`${job.key} / `)));
    return !isGroup;
  });
  return {drawn, byId};
}

// Layers: job key -> layer number, from each job's `needs` (job ids).
export function layout(jobs, {vertical = false} = {}) {
  const {drawn, byId} = graphJobs(jobs);
  const keyOf = new Map(drawn.map((job) => [job.key, job]));
  // A job's predecessors: every drawn instance of each job it needs; a reusable-workflow
  // caller's inner jobs inherit the caller's needs.
  const preds = new Map();
  for (const job of drawn) {
    const own = job.needs || [];
    const callerKey = job.key.includes(' / ') ? job.key.split(' / ')[0] : null;
    const caller = callerKey ? jobs.find((other) => other.key === callerKey) : null;
    const needs = own.length ? own : (caller && caller.needs) || [];
    const list = [];
    for (const need of needs) {
      // A need names a job key (as the plan records it) or a job id (as the workflow says).
      if (keyOf.has(need)) { list.push(need); continue; }
      for (const target of byId.get(need) || []) {
        if (keyOf.has(target.key)) list.push(target.key);
        else {
          // A group record: its drawn instances.
          for (const inst of drawn) if ((inst.id || inst.job_id) === need || inst.key.startsWith(`${need} / `)) list.push(inst.key);
        }
      }
    }
    preds.set(job.key, [...new Set(list)].filter((key) => key !== job.key));
  }
  const layer = new Map();
  const visiting = new Set();
  const layerOf = (key) => {
    if (layer.has(key)) return layer.get(key);
    if (visiting.has(key)) return 0;  // a cycle (should not happen): cut it
    visiting.add(key);
    const value = Math.max(-1, ...preds.get(key).map(layerOf)) + 1;
    visiting.delete(key);
    layer.set(key, value);
    return value;
  };
  drawn.forEach((job) => layerOf(job.key));
  const columns = [];
  for (const job of drawn) {
    const l = layer.get(job.key);
    (columns[l] ||= []).push(job);
  }
  // Order each column by the mean row of its predecessors (stable for ties).
  const row = new Map();
  columns.forEach((column, index) => {
    if (index > 0) {
      const weight = (job) => {
        const rows = preds.get(job.key).map((key) => row.get(key)).filter((r) => r !== undefined);
        return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : Infinity;
      };
      column.sort((a, b) => weight(a) - weight(b));
    }
    column.forEach((job, r) => row.set(job.key, r));
  });
  // Horizontal: layers are columns left to right. Vertical (narrow screens): layers are
  // rows top to bottom, with narrower nodes.
  const nodeW = vertical ? NODE_W_NARROW : NODE_W;
  const across = vertical ? nodeW + GAP_Y : NODE_H + GAP_Y;   // step between siblings
  const along = vertical ? NODE_H + GAP_X_NARROW : nodeW + GAP_X;  // step between layers
  const widest = Math.max(1, ...columns.map((c) => (c ? c.length : 0)));
  const span = widest * across - GAP_Y;
  const positions = new Map();
  columns.forEach((column, index) => {
    const size = column.length * across - GAP_Y;
    const offset = PAD + (span - size) / 2;
    column.forEach((job, r) => {
      const a = offset + r * across;
      const b = PAD + index * along;
      positions.set(job.key, vertical ? {x: a, y: b, layer: index, row: r} : {x: b, y: a, layer: index, row: r});
    });
  });
  const length = PAD * 2 + columns.length * along - (vertical ? GAP_X_NARROW : GAP_X);
  const width = vertical ? PAD * 2 + span : length;
  const height = vertical ? length : PAD * 2 + span;
  const edges = [];
  for (const job of drawn) for (const from of preds.get(job.key)) edges.push({from, to: job.key});
  return {jobs: drawn, positions, edges, width: Math.max(width, nodeW + 2 * PAD), height, nodeW, vertical};
}

function truncate(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// onSelect(job) is called on click or Enter/Space on a node.
export function renderGraph(jobs, {onSelect, selected, vertical = false} = {}) {
  const graph = layout(jobs, {vertical});
  const W = graph.nodeW;
  const svg = s('svg', {
    class: 'dag', width: graph.width, height: graph.height, viewBox: `0 0 ${graph.width} ${graph.height}`,
    role: 'group', 'aria-label': `Job graph: ${graph.jobs.length} jobs`,
  });
  const edgeLayer = s('g', {class: 'dag-edges', 'aria-hidden': 'true'});
  for (const edge of graph.edges) {
    const a = graph.positions.get(edge.from);
    const b = graph.positions.get(edge.to);
    let d;
    if (vertical) {
      const x1 = a.x + W / 2;
      const y1 = a.y + NODE_H;
      const x2 = b.x + W / 2;
      const y2 = b.y;
      const mid = (y1 + y2) / 2;
      d = `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}`;
    } else {
      const x1 = a.x + W;
      const y1 = a.y + NODE_H / 2;
      const x2 = b.x;
      const y2 = b.y + NODE_H / 2;
      const mid = (x1 + x2) / 2;
      d = `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
    }
    const fromJob = graph.jobs.find((job) => job.key === edge.from);
    edgeLayer.appendChild(s('path', {
      class: `dag-edge edge-${fromJob ? fromJob.status : 'queued'}`,
      d,
      dataset: {from: edge.from, to: edge.to},
    }));
  }
  svg.appendChild(edgeLayer);
  for (const job of graph.jobs) {
    const p = graph.positions.get(job.key);
    const duration = elapsed(job);
    const label = `${job.name || job.key}: ${statusLabel(job.status)}${duration !== null ? `, ${formatDuration(duration)}` : ''}`;
    const node = s('g', {
      class: ['dag-node', `status-${job.status}`, selected === job.key && 'selected'],
      transform: `translate(${p.x},${p.y})`, tabindex: '0', role: 'button', 'aria-label': label,
      dataset: {job: job.key},
    },
    s('title', null, label),
    s('rect', {class: 'dag-box', width: W, height: NODE_H, rx: 8}),
    s('rect', {class: 'dag-bar', width: 5, height: NODE_H, rx: 2}),
    s('circle', {class: 'dag-dot', cx: 22, cy: NODE_H / 2, r: 10}),
    s('text', {class: 'dag-icon', x: 22, y: NODE_H / 2 + 4, 'text-anchor': 'middle', 'aria-hidden': 'true'}, statusIcon(job.status)),
    s('text', {class: 'dag-name', x: 40, y: 19}, truncate(job.name || job.key, W < NODE_W ? 16 : 22)),
    s('text', {class: 'dag-meta', x: 40, y: 34}, `${statusLabel(job.status)}${duration !== null ? ` · ${formatDuration(duration)}` : ''}`));
    if (onSelect) {
      node.addEventListener('click', () => onSelect(job));
      node.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); onSelect(job); }
      });
    }
    svg.appendChild(node);
  }
  return svg;
}
