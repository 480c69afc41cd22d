// Pipelines: the list with each plugin chain and its traffic; one pipeline's page adds live charts of its
// requests per second, status classes, latency percentiles and plugin results (polled every 2 s; rates are the
// differences between two polls of the counters).
import { LiveChart } from '../chart.js';
import { api, badge, every, h, num, problem, table } from '../lib.js';

export function render(container, [name]) {
  return name ? detail(container, name) : list(container);
}

function chain(spec) {
  return (spec?.plugins || []).map((p) => `${p.name} (${p.kind}${p.version ? ` ${p.version}` : ''})`).join(' → ');
}

function list(container) {
  const body = h('div');
  container.append(h('h1', {}, 'Pipelines'), body);
  return every(3000, async () => {
    const [pipelines, stats] = await Promise.all([api('/api/v1/objects?kind=Pipeline'), api('/api/v1/stats')]);
    body.replaceChildren(table('pipelines', ['Pipeline', 'Plugins', 'State', 'Requests', '5xx', 'p99 (last minute)'],
      pipelines, (p) => {
        const t = stats.pipelines[p.name] || {};
        return h('tr', { dataset: { pipeline: p.name } },
          h('td', {}, h('a', { href: `#/pipelines/${encodeURIComponent(p.name)}` }, p.name)),
          h('td', {}, chain(p.spec)),
          h('td', {}, badge(p.status?.ready, 'ready', p.status?.reason || 'not ready')),
          h('td', { class: 'num' }, num(t.requests)),
          h('td', { class: 'num' }, num(t.status?.['5xx'])),
          h('td', { class: 'num' }, t.recentLatencyMs ? `${num(t.recentLatencyMs.p99, 2)} ms` : '–'));
      }, 'No Pipeline yet: add one under Objects.'));
  }, (e) => body.replaceChildren(problem(e)));
}

function detail(container, name) {
  const head = h('div');
  const now = h('p', { class: 'traffic' });
  const charts = h('div', { class: 'charts' });
  const error = h('div');
  const scope = h('select', { id: 'scope' }, h('option', { value: 'node' }, 'this node'),
    h('option', { value: 'group' }, 'its group'), h('option', { value: 'cluster' }, 'the cluster'));
  container.append(h('h1', {}, 'Pipeline ', h('span', { id: 'pipeline-name' }, name)), head,
    h('p', {}, h('label', { for: 'scope' }, 'Traffic of '), scope), now, error, charts);
  const rps = new LiveChart(charts, 'chart-rps', 'Requests per second', 'req/s');
  const classes = new LiveChart(charts, 'chart-status', 'Responses per second by status class', 'resp/s');
  const latency = new LiveChart(charts, 'chart-latency', 'Latency over the last minute', 'ms');
  const results = new LiveChart(charts, 'chart-results', 'Plugin results per second (this node)', 'calls/s');
  let last = null;
  scope.addEventListener('change', () => {
    last = null;
  });

  const stop = every(2000, async () => {
    const [object, stats, kinds] = await Promise.all([
      api(`/api/v1/objects/Pipeline/${encodeURIComponent(name)}`),
      api(`/api/v1/stats?scope=${scope.value}&timeout=1500ms`),
      api('/api/v1/kinds')]);
    error.replaceChildren();
    head.replaceChildren(h('p', {}, badge(object.status?.ready, 'ready', object.status?.reason || 'not ready'),
      ` revision ${object.revision} · `, h('a', { href: `#/edit/Pipeline/${encodeURIComponent(name)}` }, 'edit')),
    table('plugins', ['Plugin', 'Kind', 'Requests', 'Failures', 'Blocked', 'Results'], uses(kinds, name), (u) => [
      u.plugin, `${u.kind} ${u.version}`, num(u.requests), num(u.failures), num(u.blocked),
      Object.entries(u.results || {}).map(([r, n]) => `${r || 'success'} ${num(n)}`).join(', ') || '–']));
    const t = stats.pipelines[name] || { requests: 0, status: {} };
    // rates are only taken between two polls of the same scope over the same nodes: a node that missed a poll
    // would otherwise come back as a spike of its whole counter
    const nodes = (stats.nodes || []).filter((n) => n.answered).map((n) => `${n.group}/${n.name}`).sort().join(',');
    const sample = { at: Date.now() / 1000, t, plugins: uses(kinds, name), scope: stats.scope, nodes };
    if (last && (last.scope !== sample.scope || last.nodes !== sample.nodes)) {
      last = null;
    }
    if (last) {
      const seconds = Math.max(0.001, sample.at - last.at);
      const rate = (a, b) => Math.max(0, ((a || 0) - (b || 0)) / seconds);
      const current = rate(t.requests, last.t.requests);
      now.textContent = `now ${current.toFixed(1)} req/s · total ${num(t.requests)}`;
      now.id = 'rps-now';
      now.dataset.rps = String(current);
      rps.push(sample.at, { requests: current });
      const byClass = {};
      for (const c of ['2xx', '3xx', '4xx', '5xx']) {
        byClass[c] = rate(t.status?.[c], last.t.status?.[c]);
      }
      classes.push(sample.at, byClass);
      latency.push(sample.at, { p50: t.recentLatencyMs?.p50 ?? null, p99: t.recentLatencyMs?.p99 ?? null });
      results.push(sample.at, resultRates(sample.plugins, last.plugins, rate));
    }
    last = sample;
  }, (e) => error.replaceChildren(problem(e)));
  return () => {
    stop();
    [rps, classes, latency, results].forEach((c) => c.destroy());
  };
}

/** This node's plugins of the pipeline, with the kind version each runs and its counters. */
function uses(kinds, pipeline) {
  const out = [];
  for (const k of kinds) {
    for (const u of k.usedBy || []) {
      if (u.pipeline === pipeline) {
        out.push({ ...u, kind: k.name, version: k.version });
      }
    }
  }
  return out;
}

/** Per-second rate of each plugin result ("plugin: result"), failures included. */
function resultRates(now, before, rate) {
  const values = {};
  for (const u of now) {
    const previous = before.find((b) => b.plugin === u.plugin && b.version === u.version && b.role === u.role) || {};
    const names = new Set([...Object.keys(u.results || {}), ...Object.keys(previous.results || {})]);
    // a canary's two versions are two series each
    const who = u.role === 'canary' ? `${u.plugin} (canary ${u.version})` : u.plugin;
    for (const r of names) {
      if (r !== 'failed') {
        values[`${who}: ${r || 'success'}`] = rate(u.results?.[r], previous.results?.[r]);
      }
    }
    values[`${who}: failed`] = rate(u.failures, previous.failures);
  }
  return values;
}
