// Objects: every configuration object of the group (HTTPServer, Pipeline...), with its revision and state; each
// opens in the editor, and can be deleted (the API refuses deleting a pipeline a server still routes to).
import { api, badge, h, problem, table } from '../lib.js';

export async function render(container) {
  const message = h('div');
  container.append(h('h1', {}, 'Objects'),
    h('p', {}, h('a', { href: '#/edit', class: 'button', id: 'new-object' }, 'New object'),
      ' Objects are applied to the whole group through its operation log.'), message);
  let objects;
  try {
    objects = await api('/api/v1/objects');
  } catch (e) {
    container.append(problem(e));
    return undefined;
  }
  container.append(table('objects', ['Kind', 'Name', 'Revision', 'State', ''], objects, (o) => {
    const path = `${encodeURIComponent(o.kind)}/${encodeURIComponent(o.name)}`;
    return h('tr', { dataset: { object: `${o.kind}/${o.name}` } },
      h('td', {}, o.kind), h('td', {}, h('a', { href: `#/edit/${path}` }, o.name)), h('td', { class: 'num' }, o.revision),
      h('td', {}, badge(o.status?.ready, 'ready', o.status?.reason || 'not ready')),
      h('td', {}, h('button', { type: 'button', class: 'danger', onclick: async () => {
        if (!window.confirm(`Delete ${o.kind} ${o.name} from the whole group?`)) {
          return;
        }
        try {
          await api(`/api/v1/objects/${path}`, { method: 'DELETE' });
          window.dispatchEvent(new HashChangeEvent('hashchange'));
        } catch (e) {
          message.replaceChildren(problem(e));
        }
      } }, 'Delete')));
  }, 'No objects.'));
  return undefined;
}
