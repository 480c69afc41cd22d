// Overview: this node (identity, role, log indexes, what does not serve) and the cluster map: every member of
// its group with its role, state, applied index and lag behind the commit index, then every node of the
// other groups as the cluster-wide statistics reach them.
import { api, badge, every, h, num, problem, table } from '../lib.js';

export function render(container) {
  const body = h('div');
  container.append(h('h1', {}, 'Overview'), body);
  return every(2000, async () => {
    const [health, cluster] = await Promise.all([api('/api/v1/health'),
      api('/api/v1/cluster').catch((e) => ({ error: e }))]);
    const parts = [node(health, cluster)];
    if (cluster.error) {
      parts.push(problem(cluster.error));
    } else if (cluster.mode === 'cluster') {
      parts.push(members(cluster));
      parts.push(await groups(cluster));
    }
    body.replaceChildren(...parts);
  }, (e) => body.replaceChildren(problem(e)));
}

function node(health, cluster) {
  const name = cluster && !cluster.error ? cluster.node : undefined;
  const rows = [
    ['Node', h('span', { id: 'node-name' }, name || '–'), h('code', { id: 'node-id' }, health.node.id)],
    ['Group', cluster.group || '–', cluster.mode === 'cluster' ? `cluster ${cluster.cluster}` : 'standalone'],
    ['Role', h('span', { id: 'node-role' }, health.role), health.stale ? badge(false, '', 'stale: no leader')
      : `leader ${health.leader || '–'}${cluster.epoch !== undefined ? `, epoch ${cluster.epoch}` : ''}`],
    ['Log', `applied ${num(health.appliedIndex)}`, `committed ${num(health.commitIndex)}`],
    ['Objects', num(health.objects), `plugin kinds: ${(health.pluginKinds || []).join(', ') || 'none'}`],
    ['Started', health.node.startedAt || '–', `pid ${health.node.pid}`],
    ['Serving', health.notReady && health.notReady.length
      ? badge(false, '', `not ready: ${health.notReady.map((o) => `${o.kind}/${o.name}`).join(', ')}`)
      : badge(true, 'everything serves', '')],
  ];
  return h('section', {}, h('h2', {}, 'This node'),
    h('table', { class: 'facts' }, h('tbody', {}, rows.map(([k, ...v]) => h('tr', {}, h('th', {}, k),
      v.map((x) => h('td', {}, x)))))));
}

function members(cluster) {
  const rows = [...cluster.members].sort((a, b) => a.name.localeCompare(b.name));
  return h('section', {}, h('h2', {}, `Group ${cluster.group}`),
    table('members', ['Member', 'Role', 'State', 'Address', 'Applied', 'Lag', 'Last heard'], rows, (m) => {
      const lag = m.appliedIndex >= 0 ? Math.max(0, cluster.commitIndex - m.appliedIndex) : undefined;
      return h('tr', { dataset: { member: m.name } },
        h('td', {}, m.name, m.name === cluster.leader ? h('span', { class: 'badge lead' }, 'leader') : null,
          m.name === cluster.node ? h('span', { class: 'badge' }, 'this node') : null),
        h('td', {}, m.role),
        h('td', {}, badge(m.state === 'alive', m.state, m.state)),
        h('td', {}, m.address || '–'),
        h('td', { class: 'num' }, m.appliedIndex >= 0 ? num(m.appliedIndex) : '–'),
        h('td', { class: 'num', dataset: { lag: lag ?? '' } }, lag === undefined ? '–' : num(lag)),
        h('td', { class: 'num' }, m.lastSeenMillis >= 0 ? `${num(m.lastSeenMillis)} ms ago` : '–'));
    }));
}

/** Every node of every group, as the cluster-wide statistics gather them (other groups are asked over HTTP). */
async function groups(cluster) {
  let report;
  try {
    report = await api('/api/v1/stats?scope=cluster&timeout=1500ms');
  } catch (e) {
    return h('section', {}, h('h2', {}, 'Cluster'), problem(e));
  }
  const nodes = [...report.nodes].sort((a, b) => `${a.group}/${a.name}`.localeCompare(`${b.group}/${b.name}`));
  return h('section', {}, h('h2', {}, `Cluster ${cluster.cluster}`),
    table('cluster-nodes', ['Group', 'Node', 'Reached', 'Counting since'], nodes, (n) => [n.group, n.name,
      badge(n.answered, 'answered', n.reason || 'silent'), n.since || '–']));
}
