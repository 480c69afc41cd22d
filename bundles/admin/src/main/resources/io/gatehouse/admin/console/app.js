// The console's entry point: login, the hash router (#/page/args) and the navigation. Each page module exports
// render(container, args) and may answer a function that stops its timers when the user leaves it.
import { api, ApiError, h, onUnauthorized, session } from './lib.js';
import * as overview from './pages/overview.js';
import * as servers from './pages/servers.js';
import * as pipelines from './pages/pipelines.js';
import * as kinds from './pages/kinds.js';
import * as objects from './pages/objects.js';
import * as editor from './pages/editor.js';
import * as audit from './pages/audit.js';

const PAGES = { overview, servers, pipelines, kinds, objects, edit: editor, audit };

const login = document.getElementById('login');
const page = document.getElementById('page');
const nav = document.getElementById('nav');
const logout = document.getElementById('logout');
const who = document.getElementById('who');
let leave = null;
/** Counts routings: a page that finishes loading after the user went elsewhere is stopped at once. */
let routing = 0;

/** The token was refused (as opposed to the node being unreachable). */
class InvalidToken extends Error {}

function showLogin(message) {
  session.clear();
  stopPage();
  page.replaceChildren();
  nav.hidden = true;
  logout.hidden = true;
  who.textContent = '';
  login.hidden = false;
  document.getElementById('login-error').textContent = message || '';
  document.getElementById('login-token').focus();
}

function stopPage() {
  if (typeof leave === 'function') {
    leave();
  }
  leave = null;
}

/** Health with a valid token names the node; without one (or with an unknown one) it says only that it is up. */
async function check(token) {
  const health = await api('/api/v1/health', { token });
  if (!health.node) {
    throw new InvalidToken('This token is not valid on this node (unknown, revoked, or made for another group).');
  }
  return health;
}

/** The page and its arguments from the location's hash (#/page/arg/arg); a malformed hash is the overview. */
function parseHash() {
  try {
    return (location.hash.replace(/^#\/?/, '') || 'overview').split('/').map(decodeURIComponent);
  } catch (e) {
    return ['overview'];
  }
}

async function route() {
  const mine = ++routing;
  if (!session.token()) {
    showLogin();
    return;
  }
  login.hidden = true;
  nav.hidden = false;
  logout.hidden = false;
  const [name, ...args] = parseHash();
  const module = PAGES[name] || overview;
  for (const link of nav.querySelectorAll('a')) {
    link.classList.toggle('active', link.dataset.page === (name === 'edit' ? 'objects' : name));
  }
  stopPage();
  const container = h('div', { class: 'page', id: `page-${module === overview ? 'overview' : name}` });
  page.replaceChildren(container);
  try {
    const stop = await module.render(container, args);
    if (mine !== routing) {
      if (typeof stop === 'function') {
        stop();
      }
      return;
    }
    leave = stop;
  } catch (e) {
    container.append(h('div', { class: 'error', role: 'alert' }, e.message));
  }
}

login.addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = document.getElementById('login-token');
  const token = input.value.trim();
  try {
    const health = await check(token);
    session.set(token);
    input.value = '';
    who.textContent = `node ${health.node.id.slice(0, 8)}`;
    if (!location.hash || location.hash === '#/') {
      location.hash = '#/overview'; // the hashchange routes
    } else {
      await route();
    }
  } catch (e) {
    document.getElementById('login-error').textContent = e.message;
  }
});

logout.addEventListener('click', () => showLogin('Logged out.'));
onUnauthorized(() => showLogin('The token was refused (revoked, or the node was reset): log in again.'));
window.addEventListener('hashchange', route);

if (session.token()) {
  check(session.token()).then((health) => {
    who.textContent = `node ${health.node.id.slice(0, 8)}`;
    return route();
  }).catch((e) => {
    if (e instanceof InvalidToken || (e instanceof ApiError && e.status === 401)) {
      showLogin(e.message);
    } else {
      // the node did not answer: the token is kept, a reload tries again
      nav.hidden = true;
      page.replaceChildren(h('div', { class: 'error', role: 'alert' },
        `The admin API did not answer (${e.message}): reload the page to try again.`));
    }
  });
} else {
  showLogin();
}
