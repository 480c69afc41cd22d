// Plugin kinds: every version of every kind registered on this node, its bundle, the results it reports and
// the pipelines that use it.
import { api, h, num, problem, table } from '../lib.js';

export async function render(container) {
  container.append(h('h1', {}, 'Plugin kinds on this node'));
  try {
    const kinds = await api('/api/v1/kinds');
    container.append(table('kinds', ['Kind', 'Version', 'Bundle', 'Results', 'Used by', 'Description'], kinds,
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
}
