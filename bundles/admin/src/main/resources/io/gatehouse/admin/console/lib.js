// Shared helpers of the console: the admin API client (bearer token from this tab's session storage) and a
// small element builder. Data is only ever inserted as text, never as HTML.

const TOKEN_KEY = 'gatehouse.token';

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }

  /** The violations of a 400: [{path, message}]. */
  get violations() {
    return Array.isArray(this.body.violations) ? this.body.violations : [];
  }
}

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  set: (token) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** Listeners told when the API refuses the token (401): the app shows the login form again. */
const unauthorized = new Set();
export const onUnauthorized = (listener) => unauthorized.add(listener);

/**
 * Calls the admin API. `body` is sent as is with `type` (JSON when `body` is an object). Answers the parsed
 * JSON (or text for non-JSON answers); throws ApiError for any status >= 400. Every call has a deadline.
 */
export async function api(path, { method = 'GET', body, type, accept = 'application/json', timeoutMs = 10000,
  token = session.token() } = {}) {
  const headers = { Accept: accept };
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  let payload = body;
  if (body !== undefined && typeof body !== 'string') {
    payload = JSON.stringify(body);
    type = 'application/json';
  }
  if (payload !== undefined) {
    headers['Content-Type'] = type || 'application/json';
  }
  const response = await fetch(path, { method, headers, body: payload, cache: 'no-store',
    signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  const json = (response.headers.get('Content-Type') || '').includes('json') && text ? JSON.parse(text) : text;
  if (response.status === 401) {
    unauthorized.forEach((listener) => listener(json));
  }
  if (response.status >= 400) {
    throw new ApiError(response.status, typeof json === 'object' ? json : { message: text });
  }
  return json;
}

/** Builds an element: h('td', {class: 'num'}, 'text', otherElement). Attributes starting with "on" are listeners. */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name.startsWith('on')) {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child !== undefined && child !== null && child !== false) {
      element.append(child instanceof Node ? child : String(child));
    }
  }
  return element;
}

/** A table with a header row and one row per item; `row(item)` answers the cells (or a <tr>). */
export function table(id, headers, items, row, empty = 'None.') {
  if (!items.length) {
    return h('p', { id, class: 'empty' }, empty);
  }
  const body = items.map((item) => {
    const cells = row(item);
    return cells instanceof HTMLElement ? cells : h('tr', {}, cells.map((c) => (c instanceof HTMLElement
      && c.tagName === 'TD' ? c : h('td', {}, c))));
  });
  return h('table', { id }, h('thead', {}, h('tr', {}, headers.map((t) => h('th', {}, t)))), h('tbody', {}, body));
}

export const num = (value, digits = 0) => (value === undefined || value === null || Number.isNaN(value) ? '–'
  : Number(value).toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

export const badge = (ok, yes, no) => h('span', { class: ok ? 'badge ok' : 'badge bad' }, ok ? yes : no);

/** An error shown in a page: the API's message and each violation's path. */
export function problem(error) {
  const list = error instanceof ApiError ? error.violations : [];
  return h('div', { class: 'error', role: 'alert' }, error.message,
    list.length ? h('ul', {}, list.map((v) => h('li', {}, h('code', {}, v.path), ' ', v.message))) : null);
}

/**
 * Runs `tick` now and every `ms` until the page changes; `tick` errors are shown by `onError`, not thrown.
 * Answers a stop function (the router calls it when the user leaves the page).
 */
export function every(ms, tick, onError) {
  let stopped = false;
  let timer;
  const run = async () => {
    try {
      await tick();
    } catch (e) {
      if (onError) {
        onError(e);
      }
    }
    if (!stopped) {
      timer = setTimeout(run, ms);
    }
  };
  run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
