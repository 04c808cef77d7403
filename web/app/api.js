// The controller's REST API (docs/api.md). The session is an HttpOnly cookie; the CSRF token
// that every state-changing request must echo in X-Sluice-CSRF is kept in sessionStorage
// (per tab) and re-read from GET /api/v1/session after a reload in a new tab.

const BASE = '/api/v1';
const CSRF_KEY = 'sluice.csrf';
const ROLE_KEY = 'sluice.role';
let csrf = sessionStorage.getItem(CSRF_KEY) || '';

// The session's role as the controller told it at login ('read', 'operate', 'admin'), or ''
// when unknown (a tab that never saw the login answer): the UI then shows the buttons and
// the controller's 403 says what is missing.
export const sessionRole = () => sessionStorage.getItem(ROLE_KEY) || '';
export const mayOperate = () => sessionRole() !== 'read';
function keepRole(role) {
  if (role) sessionStorage.setItem(ROLE_KEY, role);
  else sessionStorage.removeItem(ROLE_KEY);
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.code = code || '';
  }
}

// Listeners told when the session is gone (401), so that the app can show the login page.
const unauthorizedListeners = new Set();
export function onUnauthorized(listener) { unauthorizedListeners.add(listener); }

export const seg = (value) => encodeURIComponent(String(value));
// A workflow file (".github/workflows/ci.yml") as the path it is: each part encoded.
export const filePath = (file) => String(file).split('/').map(encodeURIComponent).join('/');

function query(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== '') q.set(key, value);
  }
  const text = q.toString();
  return text ? `?${text}` : '';
}

async function errorFrom(response) {
  let code = '';
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body && body.error) {
      code = body.error.code || '';
      message = body.error.message || message;
    }
  } catch { /* not JSON */ }
  return new ApiError(response.status, code, message);
}

export async function request(path, {method = 'GET', body, params, signal, quiet401 = false} = {}) {
  const headers = {Accept: 'application/json'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-Sluice-CSRF'] = csrf;
  const response = await fetch(BASE + path + query(params), {
    method, headers, signal, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && !quiet401) unauthorizedListeners.forEach((l) => l(error));
    throw error;
  }
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  return type.includes('json') ? response.json() : response.text();
}

function keepCsrf(value) {
  csrf = value || '';
  if (csrf) sessionStorage.setItem(CSRF_KEY, csrf);
  else sessionStorage.removeItem(CSRF_KEY);
}

export async function login(token) {
  const answer = await request('/session', {method: 'POST', body: {token}, quiet401: true});
  keepCsrf(answer && answer.csrf);
  keepRole(answer && answer.role);
  return answer;
}

export async function logout() {
  try {
    await request('/session', {method: 'DELETE', quiet401: true});
  } finally {
    keepCsrf('');
    keepRole('');
  }
}

// Whether the cookie still holds a session; refreshes the CSRF token when the server tells it.
export async function checkSession() {
  try {
    const answer = await request('/session', {quiet401: true});
    if (answer && answer.csrf) keepCsrf(answer.csrf);
    if (answer && answer.role) keepRole(answer.role);
    return true;
  } catch (error) {
    if (error.status === 401) return false;
    if (error.status !== 404 && error.status !== 405) throw error;
  }
  // A server without GET /session: any read tells.
  try {
    await request('/projects', {quiet401: true});
    return true;
  } catch (error) {
    if (error.status === 401) return false;
    throw error;
  }
}

export const api = {
  projects: () => request('/projects'),
  workflows: (project) => request(`/projects/${seg(project)}/workflows`),
  runs: (params, signal) => request('/runs', {params, signal}),
  run: (id, signal) => request(`/runs/${seg(id)}`, {signal}),
  cancel: (id) => request(`/runs/${seg(id)}/cancel`, {method: 'POST', body: {}}),
  rerun: (id, failed) => request(`/runs/${seg(id)}/rerun`, {method: 'POST', body: {failed: !!failed}}),
  dispatch: (project, file, ref, inputs) =>
    request(`/projects/${seg(project)}/workflows/${filePath(file)}/dispatch`, {method: 'POST', body: {ref, inputs}}),
  agents: () => request('/agents'),
  deployments: (params, signal) => request('/deployments', {params, signal}),
  // One deployment with the journal of its sluice/deploy steps.
  deployment: (id, signal) => request(`/deployments/${seg(id)}`, {signal}),
  // what: 'promote' or 'abort': a request to the run's unfinished deployments.
  deployRequest: (runId, what) => request(`/runs/${seg(runId)}/deploy/${what}`, {method: 'POST', body: {}}),
  // decision: 'approve' or 'reject'; environment only when the run waits for several.
  review: (id, decision, environment, comment) =>
    request(`/runs/${seg(id)}/${decision}`, {method: 'POST', body: {environment: environment || undefined, comment: comment || undefined}}),
};

// Log URLs: a step is named by its 1-based number in the job (`step.number` in the run JSON).
export const stepNumber = (step) => step.number ?? step.index + 1;
export const logUrl = (runId, jobKey, number) =>
  `${BASE}/runs/${seg(runId)}/logs/${seg(jobKey)}${number === undefined ? '' : `/${seg(number)}`}`;
export const logStreamUrl = (runId, jobKey, number) => `${logUrl(runId, jobKey, number)}/stream`;
