// One deployment (docs/deployments.md, "The journal"): its record — environment, status, run,
// revision, reviews — and the journal of the sluice/deploy steps behind it, one table per
// journal deployment (a rollback is a deployment of its own), each transition with the time
// since that deployment started, the target, the phase and state, and the detail. Re-read
// every two seconds until the deployment has ended.

import {api, mayOperate} from '../api.js';
import {h, replace, timeElement, shortRef, shortSha, toast} from '../dom.js';
import {pill} from './deployments.js';

const ENDED = new Set(['success', 'failure', 'cancelled', 'inactive', 'rolled_back']);
const FINAL = new Set(['succeeded', 'failed', 'rolled-back', 'interrupted']);
// Journal states by how they read: good, bad, or under way.
const GOOD = new Set(['succeeded', 'pass', 'ended', 'promote']);
const BAD = new Set(['failed', 'fail', 'rolled-back', 'rolling-back', 'interrupted', 'abort']);

function stateClass(state) {
  if (GOOD.has(state)) return 'journal-good';
  if (BAD.has(state)) return 'journal-bad';
  if (state === 'inconclusive') return 'journal-warn';
  return 'journal-neutral';
}

function since(ms, start) {
  const d = Math.max(0, ms - start);
  return d < 10000 ? `+${d} ms` : `+${(d / 1000).toFixed(1)} s`;
}

// A detail is free text or JSON ({"colour":"blue","weight":20}): JSON is shown as key=value.
function detailText(detail) {
  if (!detail) return '';
  try {
    const value = JSON.parse(detail);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return Object.entries(value).filter(([, v]) => v !== '' && v !== null).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ');
    }
  } catch { /* free text */ }
  return detail;
}

// A deployment under way waits for a person at a pause without a duration and after an
// inconclusive analysis: Promote lets it go on, Abort rolls it back (as `sluice deploy
// promote|abort RUN`), for operate sessions.
function controls(d, runId, refresh) {
  if (FINAL.has(d.state)) return null;
  const waiting = (d.phase === 'pause' && d.state === 'started') || d.state === 'inconclusive';
  const note = h('p', {class: 'muted small'}, waiting
    ? 'Waiting for a person: promote to go on, abort to roll back.'
    : `Under way (${d.phase} ${d.state}).`);
  if (!mayOperate()) return [note, h('p', {class: 'muted small'}, 'An operate token can promote or abort it.')];
  const send = (button, what) => async () => {
    button.disabled = true;
    try {
      const answer = await api.deployRequest(runId, what);
      toast(`${what === 'promote' ? 'Promote' : 'Abort'} requested as ${answer.user}.`);
      refresh();
    } catch (error) {
      toast(error.status === 403 ? 'Your token may not do that (it needs the operate role).' : error.message, 'error');
      button.disabled = false;
    }
  };
  const promote = h('button', {type: 'button', class: 'button button-primary journal-promote', disabled: !waiting}, 'Promote');
  const abort = h('button', {type: 'button', class: 'button button-danger journal-abort'}, 'Abort and roll back');
  promote.addEventListener('click', send(promote, 'promote'));
  abort.addEventListener('click', send(abort, 'abort'));
  return [note, h('div', {class: 'actions', role: 'group', 'aria-label': `Decide on ${d.id}`}, promote, abort)];
}

function journalSection(d, runId, refresh) {
  const start = d.entries.length ? d.entries[0].time_ms : 0;
  const title = [d.rollback_of ? 'Rollback' : 'Deployment', ' ', h('span', {class: 'mono'}, d.id)];
  return h('section', {class: 'card journal', dataset: {journal: d.id}},
    h('h2', null, ...title),
    h('p', {class: 'muted small'},
      h('span', {class: `tag ${stateClass(d.state)}`}, FINAL.has(d.state) ? d.state : `${d.phase} ${d.state}`), ' ',
      d.strategy ? `${d.strategy} · ` : '', d.revision ? ['revision ', h('span', {class: 'mono'}, d.revision)] : null,
      d.rollback_of ? [' · rolls back ', h('span', {class: 'mono'}, d.rollback_of)] : null,
      start ? [' · started ', timeElement(start)] : null),
    controls(d, runId, refresh),
    h('div', {class: 'table-scroll'}, h('table', {class: 'responsive-table journal-table'},
      h('caption', {class: 'visually-hidden'}, `Journal of ${d.id}, oldest first`),
      h('thead', null, h('tr', null, ['#', 'Time', 'Target', 'Phase', 'State', 'Detail'].map((c) => h('th', {scope: 'col'}, c)))),
      h('tbody', null, d.entries.map((e) => h('tr', {class: 'journal-entry', dataset: {phase: e.phase, state: e.state}},
        h('td', {'data-label': '#', class: 'mono muted'}, String(e.seq)),
        h('td', {'data-label': 'Time', class: 'mono', title: e.at || ''}, since(e.time_ms, start)),
        h('td', {'data-label': 'Target', class: 'mono'}, e.target || '–'),
        h('td', {'data-label': 'Phase'}, e.phase),
        h('td', {'data-label': 'State'}, h('span', {class: `journal-state ${stateClass(e.state)}`}, e.state)),
        h('td', {'data-label': 'Detail', class: 'mono small journal-detail'}, detailText(e.detail))))))));
}

function summary(d) {
  const job = d.job || '';
  const facts = [
    ['Environment', h('a', {href: `/deployments?environment=${encodeURIComponent(d.environment)}`}, d.environment)],
    ['Status', [pill(d.status), d.reason ? h('span', {class: 'muted small'}, ` ${d.reason}`) : null]],
    ['Run', [h('a', {href: `/runs/${d.run_id}${job ? `?job=${encodeURIComponent(job)}` : ''}`}, `run ${d.run_id}`), job ? ` · ${job}` : '']],
    ['Ref', [h('span', {class: 'mono'}, shortRef(d.ref) || '–'), d.sha ? h('span', {class: 'mono muted', title: d.sha}, ` ${shortSha(d.sha)}`) : null]],
    ['Revision', h('span', {class: 'mono'}, d.revision || '–')],
    ['Reviews', (d.reviews || []).length
      ? (d.reviews || []).map((r) => h('div', null, h('strong', null, r.user), ` ${r.decision} `, timeElement(r.time_ms), r.comment ? ` “${r.comment}”` : ''))
      : '–'],
    ['Updated', timeElement(d.updated_ms || d.created_ms)],
  ];
  return h('dl', {class: 'card facts deployment-facts'}, facts.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

export async function render(ctx) {
  const id = ctx.params[0];
  const box = h('div');
  let shown = '';
  let done = false;
  const refresh = async () => { done = show(await api.deployment(id, ctx.signal)); };
  const show = (d) => {
    ctx.setTitle(`Deployment #${d.id} to ${d.environment}`);
    const journal = d.journal || [];
    const key = JSON.stringify(d);
    const ended = ENDED.has(d.status) && journal.every((j) => FINAL.has(j.state));
    if (key === shown) return ended;  // unchanged: keep the buttons (and focus) as they are
    shown = key;
    replace(box, summary(d),
      journal.length ? journal.map((j) => journalSection(j, d.run_id, refresh))
        : h('p', {class: 'empty card'}, 'No journal: this job ran no ', h('code', null, 'sluice/deploy@v1'),
          ' step for this environment (yet).'));
    return ended;
  };
  done = show(await api.deployment(id, ctx.signal));
  replace(ctx.main, h('h1', null, `Deployment #${id}`),
    h('p', {class: 'muted'}, 'Every transition is journalled before sluice acts on it; a rollback is a deployment of its own. ',
      h('a', {href: '/deployments'}, 'All deployments.')),
    box);
  ctx.poll(async () => { if (!done) done = show(await api.deployment(id, ctx.signal)); }, 2000);
}
