// Recent writes: the audit log's last lines on this node (who, what, the objects and revisions, or the error).
import { api, h, problem, table } from '../lib.js';

export async function render(container) {
  container.append(h('h1', {}, 'Recent admin writes'),
    h('p', {}, 'The writes this node received since it started, newest first; data/log/audit.log keeps them all.'));
  try {
    const lines = await api('/api/v1/audit?limit=100');
    container.append(table('audit', ['Time', 'Token', 'Client', 'Request', 'Status', 'Objects or error'], lines,
      (l) => [l.time, l.token ?? '–', l.client, h('code', {}, `${l.method} ${l.target}`), l.status,
        l.objects ? l.objects.map((o) => `${o.kind}/${o.name}${o.revision !== undefined ? ` r${o.revision}` : ''}`
          + `${o.change ? ` ${o.change}` : ''}`).join(', ') : `${l.error}: ${l.message}`],
      'No write since this node started.'));
  } catch (e) {
    container.append(problem(e));
  }
}
