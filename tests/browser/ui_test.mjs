// The web UI in Debian's headless Chromium, driven by playwright-core, against a real
// `sluice serve` (started by tests/integration/test_web_ui.sh, which passes BASE_URL, TOKEN,
// PROJECT and SCREENSHOTS). Each check prints "ok"/"not ok"; the last line counts them.
//
// The checks: sign in with a token; dispatch a workflow with typed inputs through the form
// generated from its inputs; the run page draws the job graph (SVG nodes with status
// classes) and the step log; the runs list shows the run; a slow run's log lines arrive
// live over SSE; cancelling it from the UI ends it; keyboard (skip link, graph nodes are
// focusable buttons); the markdown renderer keeps HTML as text; the badge; screenshots at
// 1280×800 and 390×844 of every page.

import {chromium} from 'playwright-core';
import {mkdirSync} from 'node:fs';

const BASE = process.env.BASE_URL;
const TOKEN = process.env.TOKEN;
const ALICE_TOKEN = process.env.ALICE_TOKEN || '';  // operate, named alice: the reviewer
const READ_TOKEN = process.env.READ_TOKEN || '';    // read role
const PROJECT = process.env.PROJECT || 'demo';
const SHOTS = process.env.SCREENSHOTS || '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
if (!BASE || !TOKEN) { console.error('BASE_URL and TOKEN are required'); process.exit(2); }
if (SHOTS) mkdirSync(SHOTS, {recursive: true});

let passed = 0;
let failed = 0;
async function check(name, body) {
  const started = Date.now();
  try {
    await body();
    passed++;
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failed++;
    console.log(`not ok - ${name}: ${error.message.split('\n').slice(0, 6).join('\n    ')}`);
  }
}
function assert(condition, message) { if (!condition) throw new Error(message); }

async function api(path, options = {}) {
  const response = await fetch(BASE + path, {
    ...options, headers: {Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...(options.headers || {})},
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${options.method || 'GET'} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function waitFor(description, probe, timeoutMs = 30000, intervalMs = 200) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out waiting for ${description}`);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const pageErrors = [];
async function newPage(width, height) {
  const context = await browser.newContext({viewport: {width, height}});
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  return page;
}
async function login(page, token = TOKEN) {
  await page.goto(`${BASE}/runs`);
  await page.waitForURL(/\/login/);
  await page.fill('#token', token);
  await page.click('form.login-form button[type=submit]');
  await page.waitForURL(/\/runs(\?|$)/);
}
async function shoot(page, name) {
  if (!SHOTS) return;
  const size = page.viewportSize();
  await page.screenshot({path: `${SHOTS}/${name}-${size.width}x${size.height}.png`});
}

const page = await newPage(1280, 800);
let dispatchedRun = 0;
let slowRun = 0;

try {
  await check('a wrong token is refused on the login page', async () => {
    await page.goto(`${BASE}/login`);
    await page.fill('#token', 'not-a-token');
    await page.click('form.login-form button[type=submit]');
    await page.waitForSelector('#login-error:has-text("not accepted")');
    assert(page.url().includes('/login'), 'left the login page');
  });

  await check('signing in with a token sets the session and shows the runs', async () => {
    await login(page);
    await page.waitForSelector('h1:has-text("Runs")');
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'sluice_session');
    assert(session && session.httpOnly, 'no HttpOnly sluice_session cookie');
    assert(session.sameSite === 'Strict', `cookie SameSite is ${session.sameSite}`);
    await shoot(page, 'login-runs-empty');
  });

  await check('the projects page lists the project, its workflows and badges', async () => {
    await page.click('nav a:has-text("Projects")');
    await page.waitForSelector(`section.project h2:has-text("${PROJECT}")`);
    await page.waitForSelector('.workflow-row a:has-text("Run workflow")');
    await shoot(page, 'projects');
  });

  await check('dispatching with typed inputs from the generated form starts a run', async () => {
    await page.goto(`${BASE}/projects/${PROJECT}/dispatch?workflow=ci.yml`);
    await page.waitForSelector('form.dispatch-form');
    // The form is generated from the workflow's inputs, one control per type.
    assert(await page.locator('[data-input="greeting"] input[type=text]').count() === 1, 'no text field for the string input');
    assert(await page.locator('[data-input="verbose"] input[type=checkbox]').count() === 1, 'no checkbox for the boolean input');
    assert(await page.locator('[data-input="target"] select option').count() >= 2, 'no select for the choice input');
    assert(await page.locator('[data-input="retries"] input[type=number]').count() === 1, 'no number field for the number input');
    await shoot(page, 'dispatch');
    await page.fill('[data-input="greeting"] input', 'hello-from-ui');
    await page.check('[data-input="verbose"] input');
    await page.selectOption('[data-input="target"] select', 'production');
    await page.fill('[data-input="retries"] input', '4');
    await page.click('#dispatch-submit');
    await page.waitForURL(/\/runs\/\d+/);
    dispatchedRun = Number(/\/runs\/(\d+)/.exec(page.url())[1]);
    const detail = await api(`/api/v1/runs/${dispatchedRun}`);
    const inputs = detail.run.inputs || {};
    assert(inputs.greeting === 'hello-from-ui', `greeting input: ${JSON.stringify(inputs)}`);
    assert(String(inputs.verbose) === 'true' && inputs.target === 'production' && String(inputs.retries) === '4',
      `inputs: ${JSON.stringify(inputs)}`);
  });

  await check('the run page draws the job graph with status classes and finishes green', async () => {
    assert(dispatchedRun, 'no run');
    await page.waitForSelector('svg.dag g.dag-node');
    const nodes = await waitFor('every job to succeed', async () => {
      const classes = await page.locator('svg.dag g.dag-node').evaluateAll((els) => els.map((e) => e.getAttribute('class')));
      return classes.length >= 3 && classes.every((c) => c.includes('status-success')) ? classes : null;
    }, 60000);
    assert(nodes.length === 3, `expected 3 job nodes, got ${nodes.length}`);
    // build → test → report: three layers, edges between them.
    const xs = await page.locator('svg.dag g.dag-node').evaluateAll((els) => els.map((e) => e.getAttribute('transform')));
    assert(new Set(xs.map((t) => /translate\(([\d.]+)/.exec(t)[1])).size === 3, `nodes not in 3 layers: ${xs}`);
    assert(await page.locator('svg.dag path.dag-edge').count() === 2, 'expected 2 edges');
    await page.waitForSelector('.run-head .status-success');
    await page.waitForSelector('.stats');
    await shoot(page, 'run-finished');
  });

  await check('a finished step shows its log with groups folded and the input values', async () => {
    await page.click('svg.dag g.dag-node[data-job="build"]');
    await page.waitForSelector('#job-title:has-text("build")');
    const step = page.locator('.step-toggle', {hasText: 'Greet'});
    // The page follows the running step: when it saw Greet run (a slow machine), its log is
    // open already, and a click would close it.
    if (await step.getAttribute('aria-expanded') !== 'true') await step.click();
    await page.waitForSelector('.log-line .log-text:has-text("greeting=hello-from-ui")');
    // "::group::Details" folds: its title is a summary, its lines hidden until opened.
    const group = page.locator('details.log-group', {hasText: 'Details'});
    assert(await group.count() === 1, 'no folded group');
    assert(!(await group.evaluate((d) => d.open)), 'group is open');
    assert(!(await page.locator('.log-text:has-text("inside the group")').isVisible()), 'group body visible');
    await group.locator('summary').click();
    await page.waitForSelector('.log-text:has-text("inside the group")');
    // Other steps' logs may be open too (the page followed them while they ran).
    const greetRow = page.locator('li.step', {has: step});
    const download = await greetRow.locator('.log-view a:has-text("Download")').getAttribute('href');
    assert(/\/api\/v1\/runs\/\d+\/logs\/build\/\d+$/.test(download), `download link ${download}`);
    const summary = page.locator('.summary .markdown');
    await summary.locator('table').waitFor();
    assert(await summary.locator('img, script').count() === 0, 'HTML from the summary was rendered');
    assert((await summary.textContent()).includes('<img src=x onerror=alert(1)>'), 'raw HTML not shown as text');
    await shoot(page, 'run-log');
  });

  await check('the runs list shows the run with status, event, branch and duration', async () => {
    await page.click('nav a:has-text("Runs")');
    const row = page.locator(`tr[data-run="${dispatchedRun}"]`);
    await row.waitFor();
    const text = await row.textContent();
    assert(text.includes('Success') && text.includes('workflow_dispatch') && text.includes('main'), `row: ${text}`);
    await page.selectOption('#f-status', 'failure');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/status=failure/);
    await page.waitForSelector('td.empty:has-text("No runs match")');
    await page.goto(`${BASE}/runs`);
    await row.waitFor();
    await shoot(page, 'runs');
  });

  await check('live log lines of a running step arrive over SSE', async () => {
    const started = await api(`/api/v1/projects/${PROJECT}/workflows/slow.yml/dispatch`,
      {method: 'POST', body: JSON.stringify({ref: 'main', inputs: {}})});
    slowRun = started.run_ids[0];
    await page.goto(`${BASE}/runs/${slowRun}`);
    // The running step's log opens by itself and streams.
    await page.waitForSelector('.log-view.is-live', {timeout: 30000});
    const first = await waitFor('a tick line', async () => (await page.locator('.log-text:has-text("tick")').count()) || null);
    const more = await waitFor('more tick lines', async () => {
      const n = await page.locator('.log-text:has-text("tick")').count();
      return n >= first + 2 ? n : null;
    }, 20000);
    assert(more > first, 'no new lines arrived');
    await page.waitForSelector('.run-head .status-running');
    await shoot(page, 'run-live');
  });

  await check('cancelling a running run from the UI ends it', async () => {
    assert(slowRun, 'no slow run');
    await page.click('#cancel-run');
    await page.waitForSelector('.run-head .status-cancelled', {timeout: 30000});
    await page.waitForSelector('svg.dag g.dag-node.status-cancelled');
    const detail = await api(`/api/v1/runs/${slowRun}`);
    assert(detail.run.status === 'cancelled', `run status ${detail.run.status}`);
    await page.waitForSelector('#rerun');
  });

  await check('keyboard: the skip link comes first and graph nodes are focusable buttons', async () => {
    await page.goto(`${BASE}/runs/${dispatchedRun}`);
    await page.waitForSelector('svg.dag g.dag-node');
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => document.activeElement.className);
    assert(first.includes('skip-link'), `first Tab focuses ${first}`);
    await page.keyboard.press('Enter');
    assert(await page.evaluate(() => document.activeElement.id) === 'main', 'skip link does not reach main');
    const node = page.locator('svg.dag g.dag-node[data-job="test"]');
    await node.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#job-title:has-text("test")');
    assert(await page.locator('button.step-toggle').count() > 0, 'steps are not buttons');
  });

  await check('the agents and durations pages render', async () => {
    await page.click('nav a:has-text("Agents")');
    await page.waitForSelector('h1:has-text("Agents")');
    await page.waitForSelector('.agents-table tbody tr');
    await shoot(page, 'agents');
    await page.click('nav a:has-text("Durations")');
    await page.waitForSelector('svg.duration-chart circle.chart-point');
    await shoot(page, 'durations');
  });

  await check('the markdown renderer keeps raw HTML as text and drops unsafe links', async () => {
    const prefix = await page.evaluate(() => document.querySelector('script[type=module]').getAttribute('src').replace(/app\.js$/, ''));
    const result = await page.evaluate(async (url) => {
      const {renderMarkdown} = await import(url);
      const el = renderMarkdown([
        '# Title <script>alert(1)</script>',
        '',
        '[bad](javascript:alert(1)) [good](https://example.com/x) [rel](/runs/1) <b onclick="x()">bold?</b>',
        '',
        '| a | b |', '|:--|--:|', '| `x\\|y` | **2** |',
        '',
        '```html', '<iframe src=x></iframe>', '```',
        '- one', '- two *em* ~~gone~~', '  1. nested',
      ].join('\n'));
      return {
        elements: [...el.querySelectorAll('*')].map((n) => n.tagName.toLowerCase()),
        hrefs: [...el.querySelectorAll('a')].map((a) => a.getAttribute('href')),
        text: el.textContent,
      };
    }, BASE + prefix + 'markdown.js');
    for (const tag of ['script', 'iframe', 'b', 'img']) assert(!result.elements.includes(tag), `rendered a <${tag}>`);
    for (const tag of ['h3', 'table', 'th', 'td', 'pre', 'code', 'ul', 'ol', 'em', 'del', 'strong']) {
      assert(result.elements.includes(tag), `no <${tag}> in ${result.elements}`);
    }
    assert(JSON.stringify(result.hrefs) === JSON.stringify(['https://example.com/x', '/runs/1']), `links: ${result.hrefs}`);
    assert(result.text.includes('<script>alert(1)</script>') && result.text.includes('<iframe src=x></iframe>'), 'HTML not kept as text');
  });

  await check('the status badge is an SVG with a title', async () => {
    const response = await fetch(`${BASE}/badge/${PROJECT}/ci.svg`);
    const body = await response.text();
    assert(response.status === 200, `status ${response.status}`);
    assert((response.headers.get('content-type') || '').startsWith('image/svg+xml'), 'content type');
    assert(/<title>[^<]*: passing<\/title>/.test(body), `badge: ${body.slice(0, 200)}`);
  });

  let deployRun = 0;
  await check('a run waiting for approval shows its reason; a read session gets no buttons', async () => {
    assert(ALICE_TOKEN && READ_TOKEN, 'ALICE_TOKEN and READ_TOKEN are required');
    const started = await api(`/api/v1/projects/${PROJECT}/workflows/deploy.yml/dispatch`,
      {method: 'POST', body: JSON.stringify({ref: 'main', inputs: {}})});
    deployRun = started.run_ids[0];
    const reader = await newPage(390, 844);
    await login(reader, READ_TOKEN);
    await reader.goto(`${BASE}/runs/${deployRun}`);
    await reader.waitForSelector('section.approval[data-environment="production"]', {timeout: 30000});
    const text = await reader.textContent('section.approval');
    assert(/Waiting for production/.test(text) && /read role/.test(text), `card: ${text}`);
    assert(await reader.locator('section.approval button').count() === 0, 'a read session sees Approve/Reject');
    await shoot(reader, 'run-approval-read');
    await reader.context().close();
  });

  await check('alice approves the deployment from the run page with a comment and the run succeeds', async () => {
    const reviewer = await newPage(1280, 800);
    await login(reviewer, ALICE_TOKEN);
    await reviewer.goto(`${BASE}/runs/${deployRun}`);
    await reviewer.waitForSelector('section.approval button[id$="-approve"]', {timeout: 30000});
    const reason = await reviewer.textContent('section.approval .approval-reason');
    assert(reason.trim().length > 0, 'no reason shown');
    await reviewer.fill('section.approval textarea', 'looks good');
    await shoot(reviewer, 'run-approval');
    await reviewer.click('section.approval button[id$="-approve"]');
    await waitFor('the approved run to succeed', async () =>
      (await api(`/api/v1/runs/${deployRun}`)).run.status === 'success', 30000);
    await reviewer.waitForSelector('section.approval', {state: 'detached', timeout: 10000});
    await reviewer.waitForSelector('h1 .status-success', {timeout: 10000});
    await reviewer.context().close();
  });

  await check('the deployments page lists it as the last good deployment with its review', async () => {
    await page.goto(`${BASE}/deployments`);
    await page.waitForSelector('section[data-environment="production"] tr.last-good');
    const row = await page.textContent('section[data-environment="production"] tr.last-good');
    assert(row.includes(`run ${deployRun}`) && row.includes('alice') && row.includes('looks good') && row.includes('Success'), `row: ${row}`);
    assert(await page.locator(`tr.last-good a[href^="/runs/${deployRun}"]`).count() === 1, 'no link to the run');
    const link = await page.getAttribute('.topbar nav a[aria-current="page"]', 'href');
    assert(link === '/deployments', `nav: ${link}`);
    await shoot(page, 'deployments');
  });

  await check('at 390×844 the pages fit the screen', async () => {
    const phone = await newPage(390, 844);
    await login(phone);
    for (const [path, name, selector] of [
      ['/runs', 'runs', 'tr[data-run]'],
      [`/runs/${dispatchedRun}`, 'run-finished', 'svg.dag g.dag-node'],
      [`/runs/${slowRun}`, 'run-cancelled', 'svg.dag g.dag-node'],
      [`/projects/${PROJECT}/dispatch?workflow=ci.yml`, 'dispatch', 'form.dispatch-form'],
      ['/projects', 'projects', '.workflow-row'],
      ['/agents', 'agents', '.agents-table tbody tr'],
      ['/durations', 'durations', 'svg.duration-chart'],
      ['/deployments', 'deployments', 'tr.last-good'],
    ]) {
      await phone.goto(BASE + path);
      await phone.waitForSelector(selector);
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert(overflow <= 0, `${path} is ${overflow}px wider than the screen`);
      await shoot(phone, name);
    }
    await phone.context().close();
  });

  await check('no script errors on any page', async () => {
    assert(pageErrors.length === 0, pageErrors.join('\n'));
  });
} finally {
  await browser.close();
}
console.log(`web-ui: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
