// HTTP servers: each HTTPServer with its listener, readiness, traffic of this node and its routing rules
// (what each rule matches, and the pipeline it picks).
import { api, badge, every, h, num, problem, table } from '../lib.js';

export function render(container) {
  const body = h('div');
  container.append(h('h1', {}, 'HTTP servers'), body);
  return every(3000, async () => {
    const [servers, stats] = await Promise.all([api('/api/v1/objects?kind=HTTPServer'), api('/api/v1/stats')]);
    body.replaceChildren(servers.length ? h('div', { id: 'servers' }, servers.map((s) => server(s,
      stats.servers[s.name]))) : h('p', { id: 'servers', class: 'empty' }, 'No HTTPServer yet: add one under Objects.'));
  }, (e) => body.replaceChildren(problem(e)));
}

function server(s, traffic = {}) {
  const spec = s.spec || {};
  const status = traffic.status || {};
  const latency = traffic.recentLatencyMs || {};
  return h('section', { class: 'card', dataset: { server: s.name } },
    h('h2', {}, s.name, ' ', badge(s.status?.ready, 'serving', s.status?.reason || 'not ready')),
    h('p', {}, `listens on ${spec.address || '0.0.0.0'}:${spec.port}`, ` · revision ${s.revision}`,
      ' · ', h('a', { href: `#/edit/HTTPServer/${encodeURIComponent(s.name)}` }, 'edit')),
    h('p', { class: 'traffic' }, `requests ${num(traffic.requests)}`,
      ['2xx', '3xx', '4xx', '5xx'].map((c) => ` · ${c} ${num(status[c])}`),
      ` · last minute p50 ${num(latency.p50, 2)} ms, p99 ${num(latency.p99, 2)} ms`),
    table(null, ['#', 'Matches', 'Pipeline'], (spec.rules || []).map((r, i) => [i, r]), ([i, r]) => [i,
      h('code', {}, matches(r)),
      h('a', { href: `#/pipelines/${encodeURIComponent(r.pipeline)}` }, r.pipeline)], 'No rules: every request gets 404.'));
}

/** What a rule matches, in one line: host, path, methods, headers; everything when it names none. */
function matches(rule) {
  const parts = [];
  for (const [key, value] of Object.entries(rule)) {
    if (key !== 'pipeline') {
      parts.push(`${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    }
  }
  return parts.length ? parts.join(' ') : 'every request';
}
