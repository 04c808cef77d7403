import {api} from '../api.js';
import {h, replace} from '../dom.js';
import {normalizeInputs, isDispatchable, workflowSlug, defaultBranch} from './workflows.js';

function badgeBlock(project, workflow) {
  const path = `/badge/${encodeURIComponent(project.name)}/${encodeURIComponent(workflowSlug(workflow))}.svg`;
  const markdown = `![${workflow.name || workflowSlug(workflow)}](${location.origin}${path})`;
  const id = `badge-${project.name}-${workflowSlug(workflow)}`.replace(/[^A-Za-z0-9_-]/g, '_');
  return h('div', {class: 'badge-block'},
    h('img', {src: path, alt: `Status of ${workflow.name || workflow.file}`, height: 20}),
    h('label', {class: 'visually-hidden', for: id}, 'Badge Markdown'),
    h('input', {id, class: 'badge-markdown', readonly: true, value: markdown, onfocus: (e) => e.target.select()}));
}

function workflowRow(project, workflow) {
  const runsLink = `/runs?project=${encodeURIComponent(project.name)}&workflow=${encodeURIComponent(workflow.file)}`;
  const durations = `/durations?project=${encodeURIComponent(project.name)}&workflow=${encodeURIComponent(workflow.file)}`;
  const actions = [h('a', {class: 'button button-small', href: runsLink}, 'Runs'),
    h('a', {class: 'button button-small', href: durations}, 'Durations')];
  if (isDispatchable(workflow)) {
    actions.push(h('a', {class: 'button button-small button-primary',
      href: `/projects/${encodeURIComponent(project.name)}/dispatch?workflow=${encodeURIComponent(workflow.file)}`},
    'Run workflow'));
  }
  const inputs = normalizeInputs(workflow.inputs);
  return h('li', {class: 'workflow-row'},
    h('div', {class: 'workflow-title'},
      h('strong', null, workflow.name || workflow.file),
      h('span', {class: 'muted mono'}, workflow.file),
      inputs.length ? h('span', {class: 'muted'}, `${inputs.length} input${inputs.length === 1 ? '' : 's'}`) : null),
    badgeBlock(project, workflow),
    h('div', {class: 'actions'}, actions));
}

export async function render(ctx) {
  const answer = await api.projects();
  const projects = Array.isArray(answer) ? answer : answer.projects || [];
  const list = h('div', {class: 'project-list'});
  replace(ctx.main, h('h1', null, 'Projects'),
    projects.length ? list : h('p', {class: 'empty'}, 'No projects yet. Register one with ',
      h('code', null, 'sluice serve --project NAME=PATH'), ' or in the server configuration.'));
  for (const project of projects) {
    const workflows = h('ul', {class: 'workflow-list'}, h('li', {class: 'muted'}, 'Loading workflows…'));
    const repository = project.repository || project.url || project.path || '';
    list.appendChild(h('section', {class: 'card project', 'aria-labelledby': `p-${project.name}`},
      h('h2', {id: `p-${project.name}`}, project.name),
      h('p', {class: 'muted'}, repository ? h('span', {class: 'mono'}, repository) : null,
        defaultBranch(project) ? ` · default branch ${defaultBranch(project)}` : ''),
      workflows));
    api.workflows(project.name).then((data) => {
      const items = Array.isArray(data) ? data : data.workflows || [];
      replace(workflows, items.length ? items.map((workflow) => workflowRow(project, workflow))
        : h('li', {class: 'muted'}, 'No workflows found.'));
    }).catch((error) => replace(workflows, h('li', {class: 'form-error'}, `Workflows: ${error.message}`)));
  }
}
