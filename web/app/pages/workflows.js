// What the pages need to know about a workflow from GET /projects/{p}/workflows.

// inputs as a list [{name, type, description, required, default, options}], whether the API
// sends a list or a map keyed by name.
export function normalizeInputs(inputs) {
  if (!inputs) return [];
  const list = Array.isArray(inputs) ? inputs : Object.entries(inputs).map(([name, def]) => ({name, ...(def || {})}));
  return list.map((input) => ({
    ...input,
    type: input.type || 'string',
    options: input.options || input.choices || [],
    required: input.required === true || input.required === 'true',
  }));
}

export function isDispatchable(workflow) {
  if (typeof workflow.dispatchable === 'boolean') return workflow.dispatchable;
  const events = workflow.events || workflow.on || workflow.triggers || [];
  if (Array.isArray(events) && events.includes('workflow_dispatch')) return true;
  return workflow.workflow_dispatch !== undefined && workflow.workflow_dispatch !== null;
}

// "ci" for ".github/workflows/ci.yml": the badge's name for it.
export function workflowSlug(workflow) {
  const file = String(workflow.file || workflow.name || '');
  return file.split('/').pop().replace(/\.ya?ml$/, '');
}

// A workflow named in a URL: by its file (".github/workflows/ci.yml"), its base name with or
// without the extension ("ci.yml", "ci"), or its name.
export function matchesWorkflow(workflow, wanted) {
  if (!wanted) return false;
  const file = String(workflow.file || '');
  const base = file.split('/').pop();
  return file === wanted || base === wanted || base.replace(/\.ya?ml$/, '') === wanted || workflow.name === wanted;
}

export function defaultBranch(project) {
  if (!project) return '';
  return project.default_branch || (Array.isArray(project.branches) && project.branches[0]) || '';
}
