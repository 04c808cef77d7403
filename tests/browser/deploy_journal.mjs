// The web UI's deployment journal (web/app/pages/deployment.js) in Debian's headless
// Chromium, driven by playwright-core, against the `sluice serve` that
// tests/integration/test_deploy_serve_journal.sh starts (it passes BASE_URL, TOKEN, GOOD_ID,
// BAD_ID, BAD_RUN and SCREENSHOTS). Each check prints "ok"/"not ok"; exit 1 when one failed.
//
// The checks: the deployments page links each deployment to its page; the good deployment's
// page shows its record and one journal with the targets' Install entries, ending
// succeeded; the bad one's shows its journal ending rolled-back and the rollback's, which
// names it; at 390 px the journal rows stay readable (no horizontal scroll of the page); with
// CANARY_ID (a canary waiting at its pause), Promote on its page lets it finish; the run
// page links the run's deployment.

import {chromium} from 'playwright-core';
import {mkdirSync} from 'node:fs';

const {BASE_URL: BASE, TOKEN, GOOD_ID, BAD_ID, BAD_RUN, CANARY_ID} = process.env;
const SHOTS = process.env.SCREENSHOTS || '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
if (!BASE || !TOKEN || !GOOD_ID || !BAD_ID) { console.error('BASE_URL, TOKEN, GOOD_ID and BAD_ID are required'); process.exit(2); }
if (SHOTS) mkdirSync(SHOTS, {recursive: true});

let failed = 0;
async function check(name, body) {
  try {
    await body();
    console.log(`ok - ${name}`);
  } catch (error) {
    failed++;
    console.log(`not ok - ${name}: ${error.message.split('\n').slice(0, 6).join('\n    ')}`);
  }
}
function assert(condition, message) { if (!condition) throw new Error(message); }

const browser = await chromium.launch({
  executablePath: CHROMIUM, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const pageErrors = [];
async function signedIn(width, height) {
  const context = await browser.newContext({viewport: {width, height}});
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  await page.goto(`${BASE}/login`);
  await page.fill('#token', TOKEN);
  await page.click('form.login-form button[type=submit]');
  await page.waitForURL(/\/runs(\?|$)/);
  return page;
}
async function shoot(page, name) {
  if (!SHOTS) return;
  const size = page.viewportSize();
  await page.screenshot({path: `${SHOTS}/${name}-${size.width}x${size.height}.png`, fullPage: true});
}
const rows = (page, journal) => page.locator(`section[data-journal="${journal}"] tr.journal-entry`).evaluateAll(
  (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(2, 5).map((td) => td.textContent.trim()).join(' ')));

try {
  const page = await signedIn(1280, 800);
  await check('the deployments page links a deployment to its journal', async () => {
    await page.click('nav a:has-text("Deployments")');
    await page.waitForSelector(`a.deployment-link[href="/deployments/${GOOD_ID}"]`);
    await shoot(page, 'deployments');
    await page.click(`a.deployment-link[href="/deployments/${GOOD_ID}"]`);
    await page.waitForURL(new RegExp(`/deployments/${GOOD_ID}$`));
    await page.waitForSelector('section.journal');
  });

  await check('the good deployment: its record and one journal, the targets installed, succeeded', async () => {
    await page.waitForSelector(`h1:has-text("Deployment #${GOOD_ID}")`);
    const facts = await page.locator('dl.deployment-facts').textContent();
    assert(facts.includes('staging') && facts.includes('r1') && facts.includes('alice'), `facts: ${facts}`);
    const journals = await page.locator('section.journal').evaluateAll((s) => s.map((e) => e.dataset.journal));
    assert(journals.length === 1, `journals: ${journals}`);
    const text = await rows(page, journals[0]);
    assert(text[0] === '– deployment started', `first row: ${text[0]}`);
    assert(text.includes('t1 Install succeeded') && text.includes('t2 Install succeeded'), `rows: ${text.join(' | ')}`);
    assert(text[text.length - 1] === '– deployment succeeded', `last row: ${text[text.length - 1]}`);
    await shoot(page, 'deployment-journal');
  });

  await check('the bad deployment: its journal ends rolled back, the rollback names it', async () => {
    await page.goto(`${BASE}/deployments/${BAD_ID}`);
    await page.waitForSelector('section.journal >> nth=1');
    const journals = await page.locator('section.journal').evaluateAll((s) => s.map((e) => e.dataset.journal));
    assert(journals.length === 2, `journals: ${journals}`);
    const bad = await rows(page, journals[0]);
    assert(bad.includes('t2 Install failed'), `bad rows: ${bad.join(' | ')}`);
    assert(bad[bad.length - 1] === '– deployment rolled-back', `bad last row: ${bad[bad.length - 1]}`);
    const heading = await page.locator(`section[data-journal="${journals[1]}"]`).textContent();
    assert(heading.includes('Rollback') && heading.includes(`rolls back ${journals[0]}`), `rollback section: ${heading.slice(0, 200)}`);
    const facts = await page.locator('dl.deployment-facts').textContent();
    assert(facts.includes('Rolled back') && facts.includes(`run ${BAD_RUN}`), `facts: ${facts}`);
    await shoot(page, 'deployment-rollback');
  });

  await check('on a phone the journal fits the width', async () => {
    const phone = await signedIn(390, 844);
    await phone.goto(`${BASE}/deployments/${BAD_ID}`);
    await phone.waitForSelector('section.journal >> nth=1');
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 1, `the page scrolls sideways by ${overflow} px`);
    await shoot(phone, 'deployment-rollback');
  });

  await check('the run page links the run\'s deployment to its journal', async () => {
    await page.goto(`${BASE}/runs/${BAD_RUN}`);
    const link = page.locator(`.run-deployments a[href="/deployments/${BAD_ID}"]`);
    await link.waitFor();
    const text = await page.locator('.run-deployments').textContent();
    assert(text.includes('staging') && text.includes('rolled back'), `run page deployments: ${text}`);
    await link.click();
    await page.waitForURL(new RegExp(`/deployments/${BAD_ID}$`));
    await page.waitForSelector('section.journal');
  });

  if (CANARY_ID) await check('a paused canary: Promote on its page lets it finish', async () => {
    await page.goto(`${BASE}/deployments/${CANARY_ID}`);
    await page.waitForSelector('section.journal button.journal-promote:not([disabled])');
    const note = await page.locator('section.journal').first().textContent();
    assert(note.includes('Waiting for a person'), `no waiting note: ${note.slice(0, 200)}`);
    await shoot(page, 'deployment-paused');
    await page.click('section.journal button.journal-promote');
    await page.waitForSelector('#toast:has-text("Promote requested")');
    // The page re-reads the deployment every 2 s until it has ended.
    await page.waitForSelector('section.journal .tag.journal-good:has-text("succeeded")', {timeout: 20000});
    assert(await page.locator('section.journal button.journal-promote').count() === 0, 'buttons left on a finished deployment');
    await shoot(page, 'deployment-promoted');
  });

  await check('no script errors', async () => assert(pageErrors.length === 0, pageErrors.join('; ')));
} finally {
  await browser.close();
}
console.log(failed ? `${failed} check(s) failed` : 'all checks passed');
process.exit(failed ? 1 : 0);
