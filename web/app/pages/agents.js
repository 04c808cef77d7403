import {api} from '../api.js';
import {h, replace, timeElement} from '../dom.js';

function currentJobs(agent) {
  const jobs = agent.current_jobs || agent.jobs || (agent.current_job ? [agent.current_job] : []);
  if (!jobs.length) return h('span', {class: 'muted'}, 'idle');
  return h('ul', {class: 'plain-list'}, jobs.map((job) => {
    if (typeof job === 'string') return h('li', null, job);
    const label = `${job.job || job.job_key || job.key || 'job'}`;
    return h('li', null, job.run_id ? h('a', {href: `/runs/${job.run_id}?job=${encodeURIComponent(job.job_key || job.job || job.key || '')}`}, `run ${job.run_id} · ${label}`) : label);
  }));
}

function agentRow(agent) {
  const status = agent.status || (agent.connected === false ? 'offline' : 'online');
  const executors = agent.executors !== undefined
    ? `${agent.busy ?? (agent.current_jobs || agent.jobs || []).length}/${agent.executors}` : '–';
  return h('tr', {class: `agent agent-${status}`},
    h('td', {'data-label': 'Agent'}, h('strong', null, agent.name || agent.id),
      agent.builtin || agent.built_in ? h('span', {class: 'tag'}, 'built-in') : null,
      agent.version ? h('div', {class: 'muted small'}, agent.version) : null),
    h('td', {'data-label': 'Status'}, h('span', {class: `agent-status agent-status-${status}`},
      h('span', {class: 'dot', 'aria-hidden': 'true'}), status)),
    h('td', {'data-label': 'Labels'}, h('ul', {class: 'labels'}, (agent.labels || []).map((label) => h('li', {class: 'tag'}, label)))),
    h('td', {'data-label': 'Busy'}, executors),
    h('td', {'data-label': 'Current job'}, currentJobs(agent)),
    h('td', {'data-label': 'Last seen'}, timeElement(agent.last_seen_ms || agent.last_heartbeat_ms)));
}

export async function render(ctx) {
  const tbody = h('tbody');
  const show = (answer) => {
    const agents = Array.isArray(answer) ? answer : answer.agents || [];
    replace(tbody, agents.length ? agents.map(agentRow)
      : h('tr', null, h('td', {colspan: 6, class: 'empty'}, 'No agents are registered.')));
  };
  show(await api.agents());
  replace(ctx.main, h('h1', null, 'Agents'),
    h('p', {class: 'muted'}, 'Agents take the jobs whose runs-on labels they all have. Start one with ',
      h('code', null, 'sluice agent --server URL --token T --labels a,b'), '.'),
    h('div', {class: 'table-scroll'}, h('table', {class: 'responsive-table agents-table'},
      h('thead', null, h('tr', null, ['Agent', 'Status', 'Labels', 'Busy', 'Current job', 'Last seen'].map((c) => h('th', {scope: 'col'}, c)))),
      tbody)));
  ctx.poll(async () => show(await api.agents()), 5000);
}
