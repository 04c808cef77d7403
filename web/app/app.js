// The sluice web UI: a small client-side router over the controller's API. Every page is a
// module under pages/ exporting `render(ctx)`; ctx gives it the <main> element, the route's
// parameters and query, and cleanup hooks (timers, event streams) run when the page is left.

import {checkSession, logout, onUnauthorized} from './api.js';
import {h, replace, errorBox, toast, tickDurations} from './dom.js';

const routes = [
  {path: /^\/$/, redirect: '/runs'},
  {path: /^\/login$/, page: 'login', title: 'Sign in', open: true},
  {path: /^\/projects$/, page: 'projects', title: 'Projects', nav: '/projects'},
  {path: /^\/projects\/([^/]+)\/dispatch$/, page: 'dispatch', title: 'Run workflow', nav: '/projects'},
  {path: /^\/runs$/, page: 'runs', title: 'Runs', nav: '/runs'},
  {path: /^\/runs\/(\d+)$/, page: 'run', title: 'Run', nav: '/runs'},
  {path: /^\/deployments$/, page: 'deployments', title: 'Deployments', nav: '/deployments'},
  {path: /^\/deployments\/(\d+)$/, page: 'deployment', title: 'Deployment', nav: '/deployments'},
  {path: /^\/agents$/, page: 'agents', title: 'Agents', nav: '/agents'},
  {path: /^\/durations$/, page: 'durations', title: 'Durations', nav: '/durations'},
];

const main = document.getElementById('main');
const logoutButton = document.getElementById('logout');
let current = null;  // {cleanups: [], controller: AbortController}
let authenticated = false;
let generation = 0;

function leavePage() {
  if (!current) return;
  current.controller.abort();
  for (const cleanup of current.cleanups.splice(0)) {
    try { cleanup(); } catch (error) { console.error(error); }
  }
  current = null;
}

export function navigate(url, {replace: replaceState = false} = {}) {
  const target = new URL(url, location.href);
  if (target.origin !== location.origin) { location.href = url; return; }
  if (replaceState) history.replaceState(null, '', target.pathname + target.search + target.hash);
  else history.pushState(null, '', target.pathname + target.search + target.hash);
  render({focus: true});
}

function markNav(nav) {
  for (const link of document.querySelectorAll('.topbar nav a')) {
    if (link.getAttribute('href') === nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

async function render({focus = false} = {}) {
  const mine = ++generation;
  leavePage();
  shownLocation = location.pathname + location.search;
  const path = location.pathname;
  const route = routes.find((r) => r.path.test(path));
  if (!route) {
    replace(main, h('h1', null, 'Not found'), h('p', null, 'No page here. ', h('a', {href: '/runs'}, 'Go to the runs.')));
    document.title = 'Not found · sluice';
    return;
  }
  if (route.redirect) { navigate(route.redirect, {replace: true}); return; }
  if (!route.open && !authenticated) {
    navigate(`/login?next=${encodeURIComponent(path + location.search)}`, {replace: true});
    return;
  }
  markNav(route.nav);
  document.body.dataset.page = route.page;
  document.title = `${route.title} · sluice`;
  const page = {cleanups: [], controller: new AbortController()};
  current = page;
  const ctx = {
    main,
    params: route.path.exec(path).slice(1).map(decodeURIComponent),
    query: new URLSearchParams(location.search),
    signal: page.controller.signal,
    navigate,
    setTitle: (title) => { if (current === page) document.title = `${title} · sluice`; },
    onCleanup: (fn) => page.cleanups.push(fn),
    isCurrent: () => current === page,
    // Calls fn every `ms` while the page is shown and the tab visible.
    poll: (fn, ms) => {
      let timer = 0;
      const tick = async () => {
        if (current !== page) return;
        if (!document.hidden) {
          try { await fn(); } catch (error) { if (error.name !== 'AbortError') console.warn(error); }
        }
        if (current === page) timer = setTimeout(tick, ms);
      };
      timer = setTimeout(tick, ms);
      page.cleanups.push(() => clearTimeout(timer));
    },
    setAuthenticated: (value) => { authenticated = value; logoutButton.hidden = !value; },
  };
  replace(main, h('p', {class: 'muted'}, 'Loading…'));
  try {
    const module = await import(`./pages/${route.page}.js`);
    if (mine !== generation) return;
    await module.render(ctx);
  } catch (error) {
    if (error.name === 'AbortError' || mine !== generation) return;
    if (error.status === 401) return;  // the unauthorized handler moves to the login page
    console.error(error);
    replace(main, h('h1', null, route.title), errorBox(error));
  }
  if (focus && mine === generation) {
    const heading = main.querySelector('h1');
    (heading || main).setAttribute('tabindex', '-1');
    (heading || main).focus({preventScroll: true});
    window.scrollTo(0, 0);
  }
}

// Same-origin links to UI pages are handled here; API, badge and asset links load normally.
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest('a');
  if (!link || link.hasAttribute('download') || (link.getAttribute('target') || '') !== '') return;
  const href = link.getAttribute('href');
  if (!href || href.startsWith('#')) return;
  const url = new URL(href, location.href);
  if (url.origin !== location.origin || /^\/(api|badge|v|hooks)\//.test(url.pathname)) return;
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
});

// A fragment link (the skip link) fires popstate too: only a new path or query is a new page.
let shownLocation = '';
window.addEventListener('popstate', () => {
  if (location.pathname + location.search === shownLocation) return;
  render({focus: true});
});

onUnauthorized(() => {
  if (!authenticated) return;
  authenticated = false;
  logoutButton.hidden = true;
  toast('Your session has ended: sign in again.', 'error');
  const here = location.pathname + location.search;
  navigate(`/login?next=${encodeURIComponent(here)}`, {replace: true});
});

logoutButton.addEventListener('click', async () => {
  try { await logout(); } catch { /* the cookie is dropped either way */ }
  authenticated = false;
  logoutButton.hidden = true;
  navigate('/login');
});

async function start() {
  try {
    authenticated = await checkSession();
  } catch (error) {
    replace(main, h('h1', null, 'sluice'), errorBox(error));
    return;
  }
  logoutButton.hidden = !authenticated;
  await render();
}

setInterval(tickDurations, 1000);
start();
