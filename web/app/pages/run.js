// One run: header and actions, statistics, the job graph, the selected job's steps with
// their logs (live while they run), annotations and step summaries. The run is re-read every
// two seconds until it is finished; the parts update in place so that open logs stay open.

import {api, mayOperate} from '../api.js';
import {h, replace, statusPill, statusIcon, statusLabel, timeElement, durationElement,
  shortRef, shortSha, isTerminal, isFailed, toast, errorBox} from '../dom.js';
import {renderGraph, graphJobs} from '../dag.js';
import {LogView} from '../logs.js';
import {renderMarkdown} from '../markdown.js';

// Steps of a job, wherever the detail carries them.
function stepsOf(detail, job) {
  if (Array.isArray(job.steps)) return job.steps;
  return (detail.steps || []).filter((step) => step.job_key === job.key);
}

function pickJob(jobs, wanted) {
  if (wanted && jobs.some((job) => job.key === wanted)) return wanted;
  const drawn = graphJobs(jobs).drawn;
  const pick = drawn.find((job) => job.status === 'running') || drawn.find((job) => isFailed(job.status)) || drawn[0];
  return pick ? pick.key : null;
}

function statistics(stats) {
  if (!stats) return null;
  const items = [['Jobs', stats.total], ['Succeeded', stats.succeeded], ['Failed', stats.failed],
    ['Timed out', stats.timed_out], ['Cancelled', stats.cancelled], ['Skipped', stats.skipped],
    ['Running', stats.running]];
  if (stats.interrupted) items.push(['Interrupted', stats.interrupted]);
  return h('dl', {class: 'stats'}, items.map(([label, value]) =>
    h('div', {class: `stat ${value ? '' : 'stat-zero'}`}, h('dt', null, label), h('dd', null, String(value ?? 0)))));
}

function annotationsList(annotations) {
  if (!annotations || !annotations.length) return null;
  return h('ul', {class: 'annotations'}, annotations.map((a) => {
    const where = [a.file, a.line ? `line ${a.line}` : null].filter(Boolean).join(', ');
    return h('li', {class: `annotation level-${a.level}`},
      h('span', {class: 'annotation-level'}, a.level === 'error' ? '✗ Error' : a.level === 'warning' ? '⚠ Warning' : 'ℹ Notice'),
      h('div', null,
        a.title ? h('strong', null, a.title, ' ') : null,
        h('span', {class: 'annotation-message'}, a.message),
        h('div', {class: 'muted small'}, [a.job_key, where].filter(Boolean).join(' · '))));
  }));
}

// Summaries as [{job, markdown}], from a string (summary.md), a list or a map.
function summaryParts(summaries) {
  if (!summaries) return [];
  if (typeof summaries === 'string') return summaries.trim() ? [{job: '', markdown: summaries}] : [];
  if (Array.isArray(summaries)) {
    return summaries.map((s) => typeof s === 'string' ? {job: '', markdown: s}
      : {job: s.job_key || s.job || '', markdown: s.markdown || s.text || s.summary || ''}).filter((s) => s.markdown.trim());
  }
  return Object.entries(summaries).map(([job, markdown]) => ({job, markdown: String(markdown)})).filter((s) => s.markdown.trim());
}

export async function render(ctx) {
  const runId = ctx.params[0];
  let detail = await api.run(runId, ctx.signal);
  let selected = pickJob(detail.jobs || [], ctx.query.get('job'));
  const openLogs = new Map();   // "job\u0000index" -> LogView
  const stepRows = new Map();   // "job\u0000index" -> {row, button, panel}
  const touched = new Set();    // jobs whose steps the user opened or closed

  const header = h('div', {class: 'run-head'});
  const actions = h('div', {class: 'actions run-actions', role: 'group', 'aria-label': 'Run actions'});
  const reason = h('div');
  const approvals = h('div');
  const deploymentLinks = h('div');
  const statsBox = h('section', {class: 'card', 'aria-labelledby': 'stats-title'}, h('h2', {id: 'stats-title'}, 'Statistics'));
  const graphBox = h('div', {class: 'dag-scroll'});
  const jobBox = h('section', {class: 'card job-panel', id: 'job-panel', 'aria-labelledby': 'job-title'});
  const annotationsBox = h('div');
  const summariesBox = h('div');
  replace(ctx.main, header, actions, reason, deploymentLinks, approvals, statsBox,
    h('section', {class: 'card', 'aria-labelledby': 'graph-title'}, h('h2', {id: 'graph-title'}, 'Jobs'),
      h('p', {class: 'muted small'}, 'Select a job to see its steps and logs.'), graphBox),
    jobBox, annotationsBox, summariesBox);

  const busy = (button, text) => { button.disabled = true; button.textContent = text; };
  async function act(button, label, action) {
    busy(button, label);
    try {
      await action();
    } catch (error) {
      toast(error.status === 403 ? 'Your token may not do that (it needs the operate role).' : error.message, 'error');
      refresh();
    }
  }

  function renderHeader() {
    const run = detail.run;
    const name = run.workflow_name || run.workflow_file;
    ctx.setTitle(`${name} #${run.run_number || run.id}`);
    replace(header,
      h('h1', null, h('span', null, `${name} #${run.run_number || run.id}`), ' ', statusPill(run.status)),
      h('ul', {class: 'meta'},
        run.project ? h('li', null, h('span', {class: 'muted'}, 'Project '), run.project) : null,
        h('li', null, h('span', {class: 'muted'}, 'Event '), run.event || '–'),
        h('li', null, h('span', {class: 'muted'}, 'Branch '), h('span', {class: 'mono'}, shortRef(run.ref) || '–')),
        run.sha ? h('li', null, h('span', {class: 'muted'}, 'Commit '), h('span', {class: 'mono', title: run.sha}, shortSha(run.sha))) : null,
        h('li', null, h('span', {class: 'muted'}, 'Started '), timeElement(run.started_ms || run.created_ms)),
        h('li', null, h('span', {class: 'muted'}, 'Duration '), durationElement(run)),
        run.rerun_of ? h('li', null, h('span', {class: 'muted'}, 'Re-run of '), h('a', {href: `/runs/${run.rerun_of}`}, `run ${run.rerun_of}`)) : null,
        h('li', null, h('span', {class: 'muted'}, 'File '), h('span', {class: 'mono'}, run.workflow_file))));
    const inputs = run.inputs && Object.keys(run.inputs).length ? run.inputs : null;
    replace(reason,
      run.reason ? h('p', {class: `run-reason ${isFailed(run.status) ? 'is-error' : ''}`}, run.reason) : null,
      inputs ? h('details', {class: 'inputs'}, h('summary', null, 'Inputs'),
        h('dl', null, Object.entries(inputs).map(([k, v]) => [h('dt', null, k), h('dd', {class: 'mono'}, typeof v === 'string' ? v : JSON.stringify(v))]))) : null);
    const buttons = [];
    if (!isTerminal(run.status)) {
      const cancel = h('button', {type: 'button', class: 'button button-danger', id: 'cancel-run'}, 'Cancel run');
      cancel.addEventListener('click', () => act(cancel, 'Cancelling…', async () => {
        await api.cancel(run.id);
        toast('Cancel requested.');
        refresh();
      }));
      buttons.push(cancel);
    } else {
      const rerun = h('button', {type: 'button', class: 'button', id: 'rerun'}, 'Re-run all jobs');
      rerun.addEventListener('click', () => act(rerun, 'Starting…', async () => {
        const answer = await api.rerun(run.id, false);
        toast('Re-run started.');
        ctx.navigate(`/runs/${answer.run_id}`);
      }));
      buttons.push(rerun);
      if ((detail.jobs || []).some((job) => isFailed(job.status) || job.status === 'cancelled')) {
        const failed = h('button', {type: 'button', class: 'button', id: 'rerun-failed'}, 'Re-run failed jobs');
        failed.addEventListener('click', () => act(failed, 'Starting…', async () => {
          const answer = await api.rerun(run.id, true);
          toast('Re-run of the failed jobs started.');
          ctx.navigate(`/runs/${answer.run_id}`);
        }));
        buttons.push(failed);
      }
    }
    const logs = h('a', {class: 'button button-quiet', href: `/runs?workflow=${encodeURIComponent(run.workflow_file)}${run.project ? `&project=${encodeURIComponent(run.project)}` : ''}`}, 'Other runs of this workflow');
    replace(actions, buttons, logs);
  }

  // Deployments of this run that wait for an environment's reviewers: the reason, and for
  // operate sessions Approve / Reject with an optional comment (POST .../approve|reject).
  // `changed`: the run's record changed, so the list of its deployments (links to each one's
  // page and journal) is read again too.
  let waitingKey = '';
  async function renderApprovals(changed = false) {
    const jobsWaiting = (detail.jobs || []).some((job) => job.status === 'waiting' || job.status === 'queued');
    const mayWait = !isTerminal(detail.run.status) && jobsWaiting;
    let waiting = [];
    if (mayWait || changed) {
      const answer = await api.deployments({run_id: detail.run.id, limit: 200}, ctx.signal);
      renderDeploymentLinks(answer.deployments || []);
      if (mayWait) waiting = (answer.deployments || []).filter((d) => d.status === 'waiting');
    }
    const key = JSON.stringify(waiting.map((d) => [d.id, d.waiting_on, d.reason, (d.reviews || []).length]));
    if (key === waitingKey) return;
    if (approvals.contains(document.activeElement) && waiting.length) return;  // do not redraw under the user
    waitingKey = key;
    replace(approvals, waiting.map((d) => approvalCard(d, waiting.length > 1)));
  }

  let deploymentsKey = '';
  function renderDeploymentLinks(list) {
    const key = JSON.stringify(list.map((d) => [d.id, d.status]));
    if (key === deploymentsKey) return;
    deploymentsKey = key;
    replace(deploymentLinks, list.length ? h('p', {class: 'run-deployments muted small'}, 'Deployments: ',
      list.map((d, i) => [i ? ', ' : '', h('a', {href: `/deployments/${d.id}`}, `#${d.id} to ${d.environment}`),
        ` (${String(d.status).replace('_', ' ')})`])) : null);
  }

  function approvalCard(d, several) {
    const id = `approval-${d.id}`;
    const reviewable = d.waiting_on === 'approval';
    const comment = h('textarea', {id: `${id}-comment`, rows: 2, class: 'approval-comment', maxlength: 2000});
    const approve = h('button', {type: 'button', class: 'button button-primary', id: `${id}-approve`}, 'Approve');
    const reject = h('button', {type: 'button', class: 'button button-danger', id: `${id}-reject`}, 'Reject');
    const decide = (button, decision, label) => act(button, label, async () => {
      const answer = await api.review(detail.run.id, decision, several ? d.environment : '', comment.value.trim());
      toast(`${decision === 'approve' ? 'Approved' : 'Rejected'} as ${answer.user}.`);
      waitingKey = '';
      refresh();
    });
    approve.addEventListener('click', () => decide(approve, 'approve', 'Approving…'));
    reject.addEventListener('click', () => decide(reject, 'reject', 'Rejecting…'));
    const reviewed = (d.reviews || []).map((r) => `${r.user} ${r.decision}`).join(', ');
    return h('section', {class: 'card approval', 'aria-labelledby': `${id}-title`, dataset: {environment: d.environment}},
      h('h2', {id: `${id}-title`}, statusIcon('waiting'), ` Waiting for ${d.environment}`),
      h('p', {class: 'approval-reason'}, d.reason || `The job ${d.job} waits for the environment ${d.environment}.`),
      reviewed ? h('p', {class: 'muted small'}, `Reviews so far: ${reviewed}`) : null,
      reviewable && mayOperate() ? [
        h('label', {for: comment.id}, 'Comment (optional)'), comment,
        h('div', {class: 'actions', role: 'group', 'aria-label': `Review the deployment to ${d.environment}`}, approve, reject)]
        : reviewable ? h('p', {class: 'muted small'}, 'Your token has the read role: a reviewer with an operate token can approve or reject this.') : null);
  }

  function selectJob(job) {
    selected = job.key;
    const url = new URL(location.href);
    url.searchParams.set('job', job.key);
    history.replaceState(null, '', url.pathname + url.search);
    renderGraphBox();
    renderJob();
    const title = document.getElementById('job-title');
    if (title) { title.setAttribute('tabindex', '-1'); title.focus(); }
  }

  function renderGraphBox() {
    const focusedJob = document.activeElement && graphBox.contains(document.activeElement) ? document.activeElement.dataset.job : null;
    const vertical = window.matchMedia('(max-width: 720px)').matches;
    replace(graphBox, renderGraph(detail.jobs || [], {onSelect: selectJob, selected, vertical}));
    if (focusedJob) {
      const again = graphBox.querySelector(`[data-job="${CSS.escape(focusedJob)}"]`);
      if (again) again.focus();
    }
  }

  function toggleStep(job, step, open) {
    const id = `${job.key}\u0000${step.index}`;
    const entry = stepRows.get(id);
    if (!entry) return;
    const isOpen = openLogs.has(id);
    if (open === isOpen) return;
    if (isOpen) {
      openLogs.get(id).stop();
      openLogs.delete(id);
      replace(entry.panel);
      entry.panel.hidden = true;
      entry.button.setAttribute('aria-expanded', 'false');
      return;
    }
    const live = !isTerminal(step.status);
    const view = new LogView({runId: detail.run.id, jobKey: job.key, step, live});
    openLogs.set(id, view);
    replace(entry.panel, view.element);
    entry.panel.hidden = false;
    entry.button.setAttribute('aria-expanded', 'true');
    view.start();
  }

  function stepRow(job, step) {
    const id = `${job.key}\u0000${step.index}`;
    const panelId = `log-${job.key}-${step.index}`.replace(/[^A-Za-z0-9_-]/g, '_');
    const button = h('button', {type: 'button', class: 'step-toggle', 'aria-expanded': 'false', 'aria-controls': panelId});
    const panel = h('div', {class: 'step-log', id: panelId, hidden: true});
    const row = h('li', {class: 'step', dataset: {step: String(step.index)}}, button, panel);
    button.addEventListener('click', () => {
      touched.add(job.key);
      const current = (stepsOf(detail, detail.jobs.find((j) => j.key === job.key) || job) || []).find((s) => s.index === step.index) || step;
      toggleStep(job, current, !openLogs.has(id));
    });
    const entry = {row, button, panel};
    stepRows.set(id, entry);
    return entry;
  }

  function updateStepButton(entry, step) {
    replace(entry.button,
      h('span', {class: `step-icon status-${step.status}`, 'aria-hidden': 'true'}, statusIcon(step.status)),
      h('span', {class: 'step-name'}, step.name || `Step ${step.index + 1}`),
      h('span', {class: 'visually-hidden'}, `, ${statusLabel(step.status)}`),
      h('span', {class: 'step-duration muted'}, step.started_ms ? durationElement(step) : ''));
    entry.row.className = `step status-row-${step.status}`;
  }

  let renderedJob = null;
  let stepList = null;
  function renderJob() {
    const job = (detail.jobs || []).find((j) => j.key === selected);
    if (!job) { replace(jobBox, h('h2', {id: 'job-title'}, 'No jobs'), h('p', {class: 'muted'}, 'This run has no jobs (yet).')); return; }
    if (renderedJob !== job.key) {
      for (const view of openLogs.values()) view.stop();
      openLogs.clear();
      stepRows.clear();
      stepList = h('ol', {class: 'steps'});
      renderedJob = job.key;
    }
    const steps = stepsOf(detail, job);
    replace(jobBox,
      h('div', {class: 'job-head'},
        h('h2', {id: 'job-title'}, `Job: ${job.name || job.key}`), statusPill(job.status),
        h('span', {class: 'muted'}, durationElement(job)),
        h('a', {class: 'button button-small button-quiet', href: `/api/v1/runs/${encodeURIComponent(detail.run.id)}/logs/${encodeURIComponent(job.key)}`,
          download: `${job.key}.log`}, 'Download job log')),
      job.reason ? h('p', {class: `run-reason ${isFailed(job.status) ? 'is-error' : ''}`}, job.reason) : null,
      job.matrix ? h('p', {class: 'muted small mono'}, `matrix: ${JSON.stringify(job.matrix)}`) : null,
      steps.length ? stepList : h('p', {class: 'muted'}, isTerminal(job.status) ? 'No steps ran.' : 'Waiting for the job to start…'));
    for (const step of steps) {
      const id = `${job.key}\u0000${step.index}`;
      const entry = stepRows.get(id) || stepRow(job, step);
      if (!entry.row.parentNode) stepList.appendChild(entry.row);
      updateStepButton(entry, step);
    }
    // Follow the running step until the user opens or closes a log themselves.
    if (!touched.has(job.key)) {
      const running = steps.find((step) => step.status === 'running');
      if (running) toggleStep(job, running, true);
    }
  }

  function renderAnnotations() {
    const list = annotationsList(detail.annotations);
    replace(annotationsBox, list ? h('section', {class: 'card', 'aria-labelledby': 'ann-title'},
      h('h2', {id: 'ann-title'}, `Annotations (${detail.annotations.length})`), list) : null);
  }

  let summaryKey = '';
  function renderSummaries() {
    const parts = summaryParts(detail.summaries ?? detail.summary);
    const key = JSON.stringify(parts);
    if (key === summaryKey) return;
    summaryKey = key;
    replace(summariesBox, parts.length ? h('section', {class: 'card', 'aria-labelledby': 'sum-title'},
      h('h2', {id: 'sum-title'}, 'Summary'),
      parts.map((part) => h('article', {class: 'summary'}, part.job ? h('h3', {class: 'summary-job'}, part.job) : null,
        renderMarkdown(part.markdown)))) : null);
  }

  function renderAll() {
    renderHeader();
    replace(statsBox, h('h2', {id: 'stats-title'}, 'Statistics'), statistics(detail.statistics),
      detail.statistics && detail.statistics.summary ? h('p', {class: 'muted small'}, detail.statistics.summary) : null);
    renderGraphBox();
    renderJob();
    renderAnnotations();
    renderSummaries();
    renderApprovals(true).catch((error) => { if (error.name !== 'AbortError') console.warn(error); });
  }

  let lastKey = '';
  async function refresh() {
    try {
      const next = await api.run(runId, ctx.signal);
      const key = JSON.stringify(next);
      if (key === lastKey) {
        if (!isTerminal(detail.run.status)) await renderApprovals();
        return;
      }
      lastKey = key;
      detail = next;
      if (!selected || !(detail.jobs || []).some((job) => job.key === selected)) selected = pickJob(detail.jobs || [], null);
      renderAll();
    } catch (error) {
      if (error.name !== 'AbortError' && ctx.isCurrent()) replace(reason, errorBox(error));
    }
  }

  lastKey = JSON.stringify(detail);
  renderAll();
  ctx.onCleanup(() => { for (const view of openLogs.values()) view.stop(); });
  // Poll while the run is going, and a little after it ends (late summaries, annotations).
  let quietPolls = 0;
  ctx.poll(async () => {
    if (isTerminal(detail.run.status) && ++quietPolls > 2) return;
    await refresh();
  }, 2000);
}
