import {api} from '../api.js';
import {h, replace, statusPill, timeElement, durationElement, shortRef, shortSha, isTerminal} from '../dom.js';

const STATUSES = ['queued', 'waiting', 'running', 'success', 'failure', 'timed_out', 'cancelled', 'skipped', 'interrupted'];
const PAGE_SIZE = 25;

function runRow(run) {
  const name = run.workflow_name || run.workflow_file || 'workflow';
  return h('tr', {class: `run-row status-row-${run.status}`, dataset: {run: String(run.id)}},
    h('td', {class: 'cell-status', 'data-label': 'Status'}, statusPill(run.status)),
    h('td', {class: 'cell-run', 'data-label': 'Run'},
      h('a', {href: `/runs/${run.id}`, class: 'run-link'}, `${name} #${run.run_number || run.id}`),
      run.run_name && run.run_name !== name ? h('div', {class: 'muted small'}, run.run_name) : null,
      run.project ? h('div', {class: 'muted small'}, run.project) : null),
    h('td', {'data-label': 'Event'}, h('span', {class: 'tag'}, run.event || '–')),
    h('td', {'data-label': 'Branch'},
      h('span', {class: 'mono'}, shortRef(run.ref) || '–'),
      run.sha ? h('span', {class: 'mono muted', title: run.sha}, ` ${shortSha(run.sha)}`) : null),
    h('td', {'data-label': 'Started'}, timeElement(run.started_ms || run.created_ms)),
    h('td', {'data-label': 'Duration', class: 'cell-duration'}, durationElement(run)));
}

function filterForm(ctx, projects) {
  const q = ctx.query;
  const field = (label, control) => h('div', {class: 'field'}, h('label', {for: control.id}, label), control);
  const project = h('select', {id: 'f-project', name: 'project'}, h('option', {value: ''}, 'All projects'),
    projects.map((p) => h('option', {value: p.name, selected: q.get('project') === p.name}, p.name)));
  const workflow = h('input', {id: 'f-workflow', name: 'workflow', value: q.get('workflow') || '', placeholder: 'name or file'});
  const status = h('select', {id: 'f-status', name: 'status'}, h('option', {value: ''}, 'Any status'),
    STATUSES.map((s) => h('option', {value: s, selected: q.get('status') === s}, s.replace('_', ' '))));
  const branch = h('input', {id: 'f-branch', name: 'branch', value: q.get('branch') || '', placeholder: 'main'});
  const form = h('form', {class: 'filters', role: 'search', 'aria-label': 'Filter runs'},
    field('Project', project), field('Workflow', workflow), field('Status', status), field('Branch', branch),
    h('div', {class: 'field field-buttons'},
      h('button', {type: 'submit', class: 'button'}, 'Filter'),
      h('a', {href: '/runs', class: 'button button-quiet'}, 'Clear')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value) params.set(key, value);
    ctx.navigate(`/runs${params.toString() ? `?${params}` : ''}`);
  });
  return form;
}

export async function render(ctx) {
  const q = ctx.query;
  const params = {
    project: q.get('project'), workflow: q.get('workflow'), status: q.get('status'), branch: q.get('branch'),
    limit: PAGE_SIZE, cursor: q.get('cursor'),
  };
  const [projectsAnswer, page] = await Promise.all([
    api.projects().catch(() => []),
    api.runs(params, ctx.signal),
  ]);
  const projects = Array.isArray(projectsAnswer) ? projectsAnswer : projectsAnswer.projects || [];
  const tbody = h('tbody');
  const table = h('table', {class: 'runs-table responsive-table'},
    h('caption', {class: 'visually-hidden'}, 'Runs, newest first'),
    h('thead', null, h('tr', null, ['Status', 'Run', 'Event', 'Branch / commit', 'Started', 'Duration']
      .map((c) => h('th', {scope: 'col'}, c)))),
    tbody);
  const pager = h('nav', {class: 'pager', 'aria-label': 'Pages of runs'});
  const count = h('p', {class: 'muted small', 'aria-live': 'polite'});
  let shown = '';
  const show = (data) => {
    const runs = data.runs || [];
    const key = JSON.stringify(runs);
    if (key === shown) return;
    shown = key;
    const focused = document.activeElement && tbody.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
    replace(tbody, runs.length ? runs.map(runRow)
      : h('tr', null, h('td', {colspan: 6, class: 'empty'}, 'No runs match.')));
    if (focused) { const again = tbody.querySelector(`a[href="${CSS.escape(focused)}"]`); if (again) again.focus(); }
    count.textContent = `${runs.length} run${runs.length === 1 ? '' : 's'} shown`;
    const links = [];
    if (q.get('cursor')) {
      const newest = new URLSearchParams(q); newest.delete('cursor');
      links.push(h('a', {class: 'button', href: `/runs${newest.toString() ? `?${newest}` : ''}`}, '« Newest'));
    }
    if (data.next_cursor) {
      const older = new URLSearchParams(q); older.set('cursor', data.next_cursor);
      links.push(h('a', {class: 'button', href: `/runs?${older}`, rel: 'next'}, 'Older »'));
    }
    replace(pager, links);
  };
  show(page);
  replace(ctx.main,
    h('div', {class: 'page-head'}, h('h1', null, 'Runs'),
      h('a', {class: 'button', href: '/projects'}, 'Run a workflow…')),
    filterForm(ctx, projects), count, h('div', {class: 'table-scroll'}, table), pager);
  // The first page follows new runs and running ones as they finish.
  if (!q.get('cursor')) {
    ctx.poll(async () => show(await api.runs(params, ctx.signal)), 3000);
  } else if ((page.runs || []).some((run) => !isTerminal(run.status))) {
    ctx.poll(async () => show(await api.runs(params, ctx.signal)), 5000);
  }
}
