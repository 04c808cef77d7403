// Run durations over time, one chart per workflow (of a project, or of the chosen one).

import {api} from '../api.js';
import {h, replace} from '../dom.js';
import {durationChart} from '../chart.js';

const MAX_RUNS = 200;

export async function render(ctx) {
  const project = ctx.query.get('project') || '';
  const workflow = ctx.query.get('workflow') || '';
  const projectsAnswer = await api.projects();
  const projects = Array.isArray(projectsAnswer) ? projectsAnswer : projectsAnswer.projects || [];
  const select = h('select', {id: 'd-project', name: 'project'}, h('option', {value: ''}, 'All projects'),
    projects.map((p) => h('option', {value: p.name, selected: p.name === project}, p.name)));
  const workflowField = h('input', {id: 'd-workflow', name: 'workflow', value: workflow, placeholder: 'all workflows'});
  const form = h('form', {class: 'filters', 'aria-label': 'Choose workflows'},
    h('div', {class: 'field'}, h('label', {for: 'd-project'}, 'Project'), select),
    h('div', {class: 'field'}, h('label', {for: 'd-workflow'}, 'Workflow'), workflowField),
    h('div', {class: 'field field-buttons'}, h('button', {type: 'submit', class: 'button'}, 'Show')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    if (select.value) params.set('project', select.value);
    if (workflowField.value.trim()) params.set('workflow', workflowField.value.trim());
    ctx.navigate(`/durations${params.toString() ? `?${params}` : ''}`);
  });
  const charts = h('div', {class: 'charts'}, h('p', {class: 'muted'}, 'Loading runs…'));
  replace(ctx.main, h('h1', null, 'Run durations'), form, charts);

  // Pages of runs until MAX_RUNS, newest first.
  const runs = [];
  let cursor = '';
  do {
    const page = await api.runs({project, workflow, limit: 100, cursor}, ctx.signal);
    runs.push(...(page.runs || []));
    cursor = page.next_cursor || '';
  } while (cursor && runs.length < MAX_RUNS);
  const groups = new Map();
  for (const run of runs) {
    const key = `${run.project || ''}\u0000${run.workflow_file}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(run);
  }
  // The card's inner width: charts are drawn at the size they are shown.
  const width = Math.min(960, charts.clientWidth - 36);
  if (!groups.size) { replace(charts, h('p', {class: 'empty'}, 'No runs yet.')); return; }
  replace(charts, [...groups.values()].map((group) => {
    const first = group[0];
    const title = `${first.project ? `${first.project} · ` : ''}${first.workflow_name || first.workflow_file}`;
    return h('section', {class: 'card'}, durationChart(group, {title, hrefFor: (run) => `/runs/${run.id}`, width}));
  }));
}
