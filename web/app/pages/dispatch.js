// The dispatch form of a workflow_dispatch workflow, generated from its declared inputs:
// string → text field, number → number field, boolean → checkbox, choice → select,
// environment → select of the known environments (a text field when none are listed).

import {api} from '../api.js';
import {h, replace, toast} from '../dom.js';
import {normalizeInputs, isDispatchable, matchesWorkflow, defaultBranch} from './workflows.js';

function control(input, id) {
  const describedBy = input.description ? `${id}-help` : null;
  const common = {id, name: input.name, 'aria-describedby': describedBy, required: input.required && input.type !== 'boolean'};
  const def = input.default === undefined || input.default === null ? '' : String(input.default);
  switch (input.type) {
    case 'boolean':
      return h('input', {...common, type: 'checkbox', checked: def === 'true'});
    case 'number':
      return h('input', {...common, type: 'number', step: 'any', value: def, inputmode: 'decimal'});
    case 'choice':
    case 'environment': {
      const options = input.options.length ? input.options : input.environments || [];
      if (!options.length) return h('input', {...common, type: 'text', value: def});
      return h('select', common,
        input.required ? null : h('option', {value: ''}, '(none)'),
        options.map((option) => h('option', {value: String(option), selected: String(option) === def}, String(option))));
    }
    default:
      return h('input', {...common, type: 'text', value: def});
  }
}

function field(input, index) {
  const id = `input-${index}`;
  const widget = control(input, id);
  const label = h('label', {for: id}, input.name, input.required ? h('span', {class: 'required', 'aria-hidden': 'true'}, ' *') : null);
  const help = input.description ? h('p', {class: 'help', id: `${id}-help`}, input.description) : null;
  const type = h('span', {class: 'input-type muted small'}, input.type);
  if (input.type === 'boolean') {
    return h('div', {class: 'field field-check', dataset: {input: input.name, type: input.type}}, h('div', {class: 'check'}, widget, label), type, help);
  }
  return h('div', {class: 'field', dataset: {input: input.name, type: input.type}}, label, type, widget, help);
}

export async function render(ctx) {
  const project = ctx.params[0];
  const [answer, projectsAnswer] = await Promise.all([api.workflows(project), api.projects().catch(() => [])]);
  const workflows = (Array.isArray(answer) ? answer : answer.workflows || []).filter(isDispatchable);
  const projects = Array.isArray(projectsAnswer) ? projectsAnswer : projectsAnswer.projects || [];
  const info = projects.find((p) => p.name === project) || {};
  const wanted = ctx.query.get('workflow');
  const workflow = workflows.find((w) => matchesWorkflow(w, wanted)) || (workflows.length === 1 ? workflows[0] : null);
  if (!workflow) {
    replace(ctx.main, h('h1', null, `Run a workflow of ${project}`),
      workflows.length ? h('ul', {class: 'link-list'}, workflows.map((w) =>
        h('li', null, h('a', {href: `/projects/${encodeURIComponent(project)}/dispatch?workflow=${encodeURIComponent(w.file)}`}, w.name || w.file))))
        : h('p', {class: 'empty'}, 'This project has no workflow with a workflow_dispatch trigger.'));
    return;
  }
  ctx.setTitle(`Run ${workflow.name || workflow.file}`);
  const inputs = normalizeInputs(workflow.inputs);
  const ref = h('input', {id: 'dispatch-ref', name: 'ref', value: defaultBranch(info) || workflow.default_ref || '', placeholder: 'default branch', 'aria-describedby': 'ref-help'});
  const error = h('div', {class: 'form-error', role: 'alert'});
  const submit = h('button', {type: 'submit', class: 'button button-primary', id: 'dispatch-submit'}, 'Run workflow');
  const form = h('form', {class: 'card dispatch-form', novalidate: true},
    h('div', {class: 'field'}, h('label', {for: 'dispatch-ref'}, 'Branch or tag'), ref,
      h('p', {class: 'help', id: 'ref-help'}, 'Which commit to run: a branch, tag or commit of the repository.')),
    inputs.length ? h('fieldset', null, h('legend', null, 'Inputs'), inputs.map(field)) : h('p', {class: 'muted'}, 'This workflow takes no inputs.'),
    error,
    h('div', {class: 'actions'}, submit, h('a', {class: 'button button-quiet', href: '/projects'}, 'Back')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    // The browser's own checks (required, number), reported on the first bad field.
    const invalid = Array.from(form.elements).find((el) => el.willValidate && !el.checkValidity());
    if (invalid) {
      error.textContent = `${invalid.name}: ${invalid.validationMessage}`;
      invalid.focus();
      return;
    }
    const values = {};
    for (const input of inputs) {
      const el = form.elements.namedItem(input.name);
      if (!el) continue;
      if (input.type === 'boolean') values[input.name] = el.checked ? 'true' : 'false';
      else if (el.value !== '' || input.required) values[input.name] = el.value;
    }
    submit.disabled = true;
    submit.textContent = 'Starting…';
    try {
      const started = await api.dispatch(project, workflow.file, ref.value.trim(), values);
      const ids = started.run_ids || (started.run_id ? [started.run_id] : []);
      toast(ids.length ? `Run ${ids.join(', ')} started.` : 'Dispatched.');
      ctx.navigate(ids.length === 1 ? `/runs/${ids[0]}` : `/runs?project=${encodeURIComponent(project)}`);
    } catch (failure) {
      error.textContent = failure.message;
      submit.disabled = false;
      submit.textContent = 'Run workflow';
    }
  });
  replace(ctx.main,
    h('h1', null, `Run ${workflow.name || workflow.file}`),
    h('p', {class: 'muted'}, h('span', null, project), ' · ', h('span', {class: 'mono'}, workflow.file)),
    form);
}
