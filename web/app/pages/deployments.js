// Deployments (docs/environments.md): each environment's history, newest first, with the
// run that deployed, its ref and commit, who reviewed it and when; the environment's last
// good deployment (its newest success, what a rollback goes back to) is marked.

import {api} from '../api.js';
import {h, replace, timeElement, shortRef, shortSha, statusIcon} from '../dom.js';

const LABEL = {queued: 'Queued', waiting: 'Waiting', in_progress: 'In progress', success: 'Success',
  failure: 'Failed', cancelled: 'Cancelled', inactive: 'Inactive', rolled_back: 'Rolled back'};
const PILL = {in_progress: 'running', inactive: 'skipped', rolled_back: 'failure'};

function pill(status) {
  const shown = PILL[status] || status;
  return h('span', {class: `status status-${shown}`},
    h('span', {class: 'status-icon', 'aria-hidden': 'true'}, statusIcon(shown)), LABEL[status] || status);
}

function reviews(deployment) {
  const list = deployment.reviews || [];
  if (!list.length) return deployment.status === 'waiting' ? h('span', {class: 'muted'}, deployment.reason || 'waiting') : h('span', {class: 'muted'}, '–');
  return h('ul', {class: 'plain-list'}, list.map((r) => h('li', null,
    h('span', {class: r.decision === 'approved' ? 'review-approved' : 'review-rejected'}, r.decision === 'approved' ? '✓ ' : '✗ '),
    h('strong', null, r.user), ` ${r.decision} `, timeElement(r.time_ms),
    r.comment ? h('div', {class: 'muted small'}, `“${r.comment}”`) : null)));
}

function row(deployment, lastGood) {
  const good = deployment.id === lastGood;
  const job = deployment.job || '';
  return h('tr', {class: `deployment${good ? ' last-good' : ''}`, dataset: {deployment: String(deployment.id)}},
    h('td', {'data-label': 'Status'}, h('a', {href: `/deployments/${deployment.id}`, class: 'deployment-link', title: 'The deployment and its journal'}, `#${deployment.id}`), ' ', pill(deployment.status),
      good ? h('span', {class: 'tag tag-good', title: 'The newest successful deployment of this environment'}, 'last good') : null),
    h('td', {'data-label': 'Ref'}, h('span', {class: 'mono'}, shortRef(deployment.ref) || '–'),
      deployment.sha ? h('span', {class: 'mono muted', title: deployment.sha}, ` ${shortSha(deployment.sha)}`) : null,
      deployment.revision && deployment.revision !== deployment.sha ? h('div', {class: 'muted small mono'}, `revision ${deployment.revision}`) : null,
      deployment.rollback_of ? h('div', {class: 'muted small'}, `rollback of #${deployment.rollback_of}`) : null),
    h('td', {'data-label': 'Run'}, h('a', {href: `/runs/${deployment.run_id}${job ? `?job=${encodeURIComponent(job)}` : ''}`},
      `run ${deployment.run_id}`), job ? h('span', {class: 'muted small'}, ` · ${job}`) : null),
    h('td', {'data-label': 'Reviews'}, reviews(deployment)),
    h('td', {'data-label': 'When'}, timeElement(deployment.updated_ms || deployment.created_ms),
      deployment.url ? h('div', {class: 'small'}, h('a', {href: deployment.url, rel: 'noopener', target: '_blank'}, 'open')) : null));
}

// Environments in the order of their newest deployment; each with its rows and last good id.
function byEnvironment(deployments) {
  const groups = new Map();
  for (const d of deployments) {
    if (!groups.has(d.environment)) groups.set(d.environment, {name: d.environment, rows: [], lastGood: null});
    const group = groups.get(d.environment);
    group.rows.push(d);
    if (group.lastGood === null && d.status === 'success') group.lastGood = d.id;
  }
  return [...groups.values()];
}

function section(group) {
  const id = `env-${group.name}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const good = group.rows.find((d) => d.id === group.lastGood);
  return h('section', {class: 'card environment', 'aria-labelledby': id, dataset: {environment: group.name}},
    h('h2', {id}, group.name),
    h('p', {class: 'muted small'}, good
      ? ['Last good: ', h('span', {class: 'mono'}, shortSha(good.revision || good.sha) || shortRef(good.ref)), ' from ', h('a', {href: `/runs/${good.run_id}`}, `run ${good.run_id}`), ', ', timeElement(good.updated_ms)]
      : 'No successful deployment yet.'),
    h('div', {class: 'table-scroll'}, h('table', {class: 'responsive-table deployments-table'},
      h('caption', {class: 'visually-hidden'}, `Deployments to ${group.name}, newest first`),
      h('thead', null, h('tr', null, ['Status', 'Ref', 'Run', 'Reviews', 'When'].map((c) => h('th', {scope: 'col'}, c)))),
      h('tbody', null, group.rows.map((d) => row(d, group.lastGood))))));
}

export {pill};

export async function render(ctx) {
  const environment = ctx.query.get('environment') || '';
  const box = h('div');
  const show = (answer) => {
    const groups = byEnvironment(answer.deployments || []);
    replace(box, groups.length ? groups.map(section)
      : h('p', {class: 'empty card'}, 'No deployments yet. A job with ', h('code', null, 'environment:'), ' records one.'));
  };
  show(await api.deployments({environment, limit: 200}, ctx.signal));
  replace(ctx.main, h('h1', null, environment ? `Deployments to ${environment}` : 'Deployments'),
    h('p', {class: 'muted'}, 'Each environment’s deployments, newest first; the last good one is what a rollback returns to. ',
      environment ? h('a', {href: '/deployments'}, 'All environments.') : null),
    box);
  ctx.poll(async () => show(await api.deployments({environment, limit: 200}, ctx.signal)), 5000);
}
