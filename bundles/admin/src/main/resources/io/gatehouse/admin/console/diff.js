// A line diff (longest common subsequence) of two texts, for the editor's "what would change" view. Texts are
// a few hundred lines at most (one object's spec); past MAX lines it falls back to "replaced whole".
const MAX = 2000;

/** Answers [{op: ' ' | '-' | '+', line}] turning `before` into `after`. */
export function diffLines(before, after) {
  const a = before === '' ? [] : before.split('\n');
  const b = after === '' ? [] : after.split('\n');
  if (a.length > MAX || b.length > MAX) {
    return [...a.map((line) => ({ op: '-', line })), ...b.map((line) => ({ op: '+', line }))];
  }
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', line: a[i] });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
      out.push({ op: '-', line: a[i++] });
    } else {
      out.push({ op: '+', line: b[j++] });
    }
  }
  while (i < a.length) {
    out.push({ op: '-', line: a[i++] });
  }
  while (j < b.length) {
    out.push({ op: '+', line: b[j++] });
  }
  return out;
}

/** JSON with the keys of every object sorted, two spaces per level: the same value always reads the same. */
export function canonical(value) {
  const sort = (v) => {
    if (Array.isArray(v)) {
      return v.map(sort);
    }
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort(v[k])]));
    }
    return v;
  };
  return value === undefined ? '' : JSON.stringify(sort(value), null, 2);
}
