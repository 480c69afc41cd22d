// Plugin kinds: every version of every kind registered on this node (its bundle, the results it reports, the
// pipelines that use it), then which versions every node of the cluster runs, side by side, with the kinds
// that are not the same everywhere marked.
import { api, badge, h, num, problem, table } from '../lib.js';

export async function render(container) {
  container.append(h('h1', {}, 'Plugin kinds'));
  try {
    const kinds = await api('/api/v1/kinds');
    container.append(h('h2', {}, 'On this node'), table('kinds',
      ['Kind', 'Version', 'Bundle', 'Results', 'Used by', 'Description'], kinds,
      (k) => h('tr', { dataset: { kind: `${k.name}@${k.version}` } },
        h('td', {}, k.name), h('td', {}, k.version), h('td', {}, h('code', {}, k.bundle)),
        h('td', {}, (k.results || []).join(', ') || '–'),
        h('td', {}, (k.usedBy || []).length ? k.usedBy.map((u, i) => [i ? ', ' : '',
          h('a', { href: `#/pipelines/${encodeURIComponent(u.pipeline)}` }, `${u.pipeline}/${u.plugin}`),
          ` (${num(u.requests)} req)`]) : 'no pipeline'),
        h('td', {}, k.description)), 'No plugin kind is registered: install a plugin bundle.'));
  } catch (e) {
    container.append(problem(e));
  }
  container.append(h('h2', {}, 'On every node'), await perNode());
  return undefined;
}

/** A matrix: one row per kind version, one column per node that answered, a mark where it runs. */
async function perNode() {
  let report;
  try {
    report = await api('/api/v1/stats?scope=cluster&snapshots=true&timeout=1500ms');
  } catch (e) {
    try {
      report = await api('/api/v1/stats?scope=node&snapshots=true');
    } catch (again) {
      return problem(again);
    }
  }
  const nodes = report.nodes.filter((n) => n.answered && report.snapshots?.[n.name])
    .sort((a, b) => `${a.group}/${a.name}`.localeCompare(`${b.group}/${b.name}`));
  const silent = report.nodes.filter((n) => !n.answered);
  const versions = new Set();
  nodes.forEach((n) => (report.snapshots[n.name].kinds || []).forEach((k) => versions.add(k)));
  const rows = [...versions].sort();
  const matrix = table('kinds-per-node', ['Kind version', ...nodes.map((n) => `${n.group}/${n.name}`), ''], rows,
    (version) => {
      const on = nodes.map((n) => (report.snapshots[n.name].kinds || []).includes(version));
      const everywhere = on.every(Boolean);
      return h('tr', { dataset: { kind: version, everywhere: String(everywhere) } }, h('td', {}, version),
        on.map((yes) => h('td', { class: yes ? 'yes' : 'no' }, yes ? '✓' : '–')),
        h('td', {}, everywhere ? '' : badge(false, '', 'not on every node')));
    }, 'No node reported its plugin kinds.');
  return h('div', {}, matrix, silent.length ? h('p', { class: 'muted' }, 'Not reached: ',
    silent.map((n) => `${n.group}/${n.name} (${n.reason || 'silent'})`).join(', ')) : null);
}
