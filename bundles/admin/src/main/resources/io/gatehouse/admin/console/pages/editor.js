// The object editor: YAML or JSON, one object or several. As you type, the document is validated by the admin
// API's dry run (POST /api/v1/validate: nothing is written) and the problems are shown with their paths; when
// it is valid, what applying would do to each object is shown, with a diff of each spec that would change.
// Apply writes it (POST /api/v1/apply, all or nothing).
import { canonical, diffLines } from '../diff.js';
import { api, ApiError, h, problem } from '../lib.js';

const TEMPLATE = `kind: Pipeline
name: hello
spec:
  plugins:
    - name: hello
      kind: mock
      spec:
        body: "Hello from Gatehouse\\n"
`;

export async function render(container, [kind, name]) {
  const editing = kind && name;
  const text = h('textarea', { id: 'editor-text', spellcheck: 'false', rows: 22, 'aria-label': 'Object (YAML or JSON)' });
  const state = h('p', { id: 'editor-state', class: 'muted' });
  const problems = h('div', { id: 'editor-problems' });
  const plan = h('div', { id: 'editor-plan' });
  const result = h('div', { id: 'editor-result' });
  const apply = h('button', { id: 'editor-apply', type: 'button' }, 'Apply');
  const check = h('button', { id: 'editor-validate', type: 'button', class: 'secondary' }, 'Validate');
  container.append(h('h1', {}, editing ? `Edit ${kind} ${name}` : 'New object'),
    h('div', { class: 'editor' }, h('div', {}, text, h('p', {}, apply, ' ', check, ' ', state)),
      h('div', {}, result, problems, plan)));

  if (editing) {
    try {
      text.value = await api(`/api/v1/objects/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`,
        { accept: 'application/yaml' });
    } catch (e) {
      problems.replaceChildren(problem(e));
    }
  } else {
    text.value = TEMPLATE;
  }

  let generation = 0;
  const validate = async () => {
    const mine = ++generation;
    state.textContent = 'validating…';
    try {
      const planned = await api('/api/v1/validate', { method: 'POST', body: text.value, type: typeOf(text.value) });
      const view = await planView(planned);
      // a newer validation (or an apply) started meanwhile: this answer is stale
      if (mine !== generation) {
        return;
      }
      problems.replaceChildren();
      state.textContent = 'valid';
      plan.replaceChildren(view);
    } catch (e) {
      if (mine !== generation) {
        return;
      }
      state.textContent = 'not valid';
      plan.replaceChildren();
      problems.replaceChildren(problemView(e));
    }
  };
  let timer;
  text.addEventListener('input', () => {
    clearTimeout(timer);
    result.replaceChildren();
    timer = setTimeout(validate, 400);
  });
  check.addEventListener('click', validate);
  apply.addEventListener('click', async () => {
    clearTimeout(timer);
    generation++;
    apply.disabled = true;
    try {
      const written = await api('/api/v1/apply', { method: 'POST', body: text.value, type: typeOf(text.value),
        timeoutMs: 30000 });
      problems.replaceChildren();
      plan.replaceChildren();
      state.textContent = 'applied';
      result.replaceChildren(h('div', { class: 'ok', role: 'status' }, 'Applied: ',
        h('ul', {}, written.map((o) => h('li', { dataset: { object: `${o.kind}/${o.name}` } },
          `${o.kind} ${o.name}: ${o.change}, revision ${o.revision}`))),
        h('a', { href: '#/objects' }, 'all objects')));
    } catch (e) {
      state.textContent = 'refused';
      result.replaceChildren();
      problems.replaceChildren(problemView(e));
    } finally {
      apply.disabled = false;
    }
  });
  validate();
  return () => {
    clearTimeout(timer);
    generation++;
  };
}

function typeOf(source) {
  return /^\s*[[{]/.test(source) ? 'application/json' : 'application/yaml';
}

/** The API's refusal: its message, then each violation with its path (an item per path, for the eye and tests). */
function problemView(error) {
  if (!(error instanceof ApiError)) {
    return problem(error);
  }
  return h('div', { class: 'error', role: 'alert' }, h('p', {}, `${error.status}: ${error.message}`),
    h('ul', {}, error.violations.map((v) => h('li', { dataset: { path: v.path } }, h('code', {}, v.path), ' ',
      v.message))));
}

/** What apply would do to each object, with a diff of the spec of those it would update. */
async function planView(planned) {
  const items = [];
  for (const o of planned) {
    const item = h('li', { dataset: { object: `${o.kind}/${o.name}`, change: o.change } },
      h('strong', {}, `${o.kind} ${o.name}`), `: would be ${o.change}`);
    if (o.change === 'updated') {
      try {
        const current = await api(`/api/v1/objects/${encodeURIComponent(o.kind)}/${encodeURIComponent(o.name)}`);
        item.append(diffView(canonical(current.spec), canonical(o.spec)));
      } catch (e) {
        item.append(problem(e));
      }
    }
    items.push(item);
  }
  return h('div', {}, h('h2', {}, 'Applying would'), h('ul', { class: 'plan' }, items));
}

function diffView(before, after) {
  return h('pre', { class: 'diff' }, diffLines(before, after).map((d) => h('span', {
    class: d.op === '+' ? 'add' : d.op === '-' ? 'del' : 'same' }, `${d.op} ${d.line}\n`)));
}
