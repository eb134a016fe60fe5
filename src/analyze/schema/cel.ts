// A small evaluator for the CEL subset Istio's CRDs use in x-kubernetes-validations, so schema checks see those rules too.
//
// Supported: literals (int, double, string, bool, null, lists, maps), `self` and macro variables, field
// selection and indexing, `! - * / % + == != < <= > >= in && || ?:`, has(), size(), contains, startsWith,
// endsWith, matches, substring, all/exists/exists_one/filter/map, int(), string(), duration(), url(), isURL().
// Anything else makes a rule "undecidable": it is skipped, never reported (no guessing).

export class CelUnsupported extends Error {}
/** The rule itself fails at run time the way the API server would report (a malformed duration, say). */
export class CelValueError extends Error {}

type Node =
  | { t: 'lit'; v: unknown }
  | { t: 'id'; name: string }
  | { t: 'sel'; obj: Node; field: string }
  | { t: 'idx'; obj: Node; index: Node }
  | { t: 'call'; fn: string; target?: Node; args: Node[] }
  | { t: 'list'; items: Node[] }
  | { t: 'map'; entries: [Node, Node][] }
  | { t: 'un'; op: string; arg: Node }
  | { t: 'bin'; op: string; left: Node; right: Node }
  | { t: 'cond'; test: Node; then: Node; else: Node };

type Tok = { k: 'num' | 'str' | 'id' | 'op'; v: string };

const OPS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '?', ':', '+', '-', '*', '/', '%', '.', ',', '(', ')', '[', ']', '{', '}'];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)u?/.exec(src.slice(i));
      if (!m) throw new CelUnsupported(`bad number at ${i}`);
      out.push({ k: 'num', v: m[0].replace(/u$/, '') });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\') {
          const e = src[j + 1];
          s += e === 'n' ? '\n' : e === 't' ? '\t' : (e ?? '');
          j += 2;
        } else s += src[j++];
      }
      if (j >= src.length) throw new CelUnsupported('unterminated string');
      out.push({ k: 'str', v: s });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ k: 'id', v: m[0] });
      i += m[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new CelUnsupported(`unexpected ${c}`);
    out.push({ k: 'op', v: op });
    i += op.length;
  }
  return out;
}

class Parser {
  #toks: Tok[];
  #i = 0;
  constructor(src: string) {
    this.#toks = tokenize(src);
  }
  parse(): Node {
    const n = this.#expr();
    if (this.#i < this.#toks.length) throw new CelUnsupported(`unexpected ${this.#toks[this.#i]?.v}`);
    return n;
  }
  #peek(v: string): boolean {
    const t = this.#toks[this.#i];
    return t !== undefined && t.k === 'op' && t.v === v;
  }
  #eat(v: string): boolean {
    if (!this.#peek(v)) return false;
    this.#i++;
    return true;
  }
  #expect(v: string): void {
    if (!this.#eat(v)) throw new CelUnsupported(`expected ${v}`);
  }
  #expr(): Node {
    const test = this.#or();
    if (!this.#eat('?')) return test;
    const then = this.#or();
    this.#expect(':');
    return { t: 'cond', test, then, else: this.#expr() };
  }
  #or(): Node {
    let n = this.#and();
    while (this.#eat('||')) n = { t: 'bin', op: '||', left: n, right: this.#and() };
    return n;
  }
  #and(): Node {
    let n = this.#rel();
    while (this.#eat('&&')) n = { t: 'bin', op: '&&', left: n, right: this.#rel() };
    return n;
  }
  #rel(): Node {
    let n = this.#add();
    for (;;) {
      const t = this.#toks[this.#i];
      const op = t && ((t.k === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) || (t.k === 'id' && t.v === 'in')) ? t.v : undefined;
      if (!op) return n;
      this.#i++;
      n = { t: 'bin', op, left: n, right: this.#add() };
    }
  }
  #add(): Node {
    let n = this.#mul();
    for (;;) {
      if (this.#eat('+')) n = { t: 'bin', op: '+', left: n, right: this.#mul() };
      else if (this.#eat('-')) n = { t: 'bin', op: '-', left: n, right: this.#mul() };
      else return n;
    }
  }
  #mul(): Node {
    let n = this.#unary();
    for (;;) {
      const op = ['*', '/', '%'].find((o) => this.#peek(o));
      if (!op) return n;
      this.#i++;
      n = { t: 'bin', op, left: n, right: this.#unary() };
    }
  }
  #unary(): Node {
    if (this.#eat('!')) return { t: 'un', op: '!', arg: this.#unary() };
    if (this.#eat('-')) return { t: 'un', op: '-', arg: this.#unary() };
    return this.#member();
  }
  #member(): Node {
    let n = this.#primary();
    for (;;) {
      if (this.#eat('.')) {
        const id = this.#toks[this.#i++];
        if (!id || id.k !== 'id') throw new CelUnsupported('expected a field name');
        if (this.#eat('(')) n = { t: 'call', fn: id.v, target: n, args: this.#args(')') };
        else n = { t: 'sel', obj: n, field: id.v };
      } else if (this.#eat('[')) {
        const index = this.#expr();
        this.#expect(']');
        n = { t: 'idx', obj: n, index };
      } else return n;
    }
  }
  #args(close: string): Node[] {
    const args: Node[] = [];
    if (this.#eat(close)) return args;
    do args.push(this.#expr());
    while (this.#eat(','));
    this.#expect(close);
    return args;
  }
  #primary(): Node {
    const t = this.#toks[this.#i++];
    if (!t) throw new CelUnsupported('unexpected end');
    if (t.k === 'num') return { t: 'lit', v: t.v.startsWith('0x') ? parseInt(t.v, 16) : Number(t.v) };
    if (t.k === 'str') return { t: 'lit', v: t.v };
    if (t.k === 'id') {
      if (t.v === 'true' || t.v === 'false') return { t: 'lit', v: t.v === 'true' };
      if (t.v === 'null') return { t: 'lit', v: null };
      if (this.#eat('(')) return { t: 'call', fn: t.v, args: this.#args(')') };
      return { t: 'id', name: t.v };
    }
    if (t.v === '(') {
      const n = this.#expr();
      this.#expect(')');
      return n;
    }
    if (t.v === '[') return { t: 'list', items: this.#args(']') };
    if (t.v === '{') {
      const entries: [Node, Node][] = [];
      if (!this.#eat('}')) {
        do {
          const k = this.#expr();
          this.#expect(':');
          entries.push([k, this.#expr()]);
        } while (this.#eat(','));
        this.#expect('}');
      }
      return { t: 'map', entries };
    }
    throw new CelUnsupported(`unexpected ${t.v}`);
  }
}

class Duration {
  constructor(readonly nanos: number) {}
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, as CEL's duration() uses it; a malformed string is a value error. */
export function parseGoDuration(s: string): number {
  const m = /^([-+]?)((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+|0)$/.exec(s);
  if (!m) throw new CelValueError(`invalid duration ${JSON.stringify(s)}`);
  let total = 0;
  for (const part of (m[2] as string).matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) total += Number(part[1]) * (UNIT_NS[part[2] as string] ?? 0);
  return m[1] === '-' ? -total : total;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Duration) && !(v instanceof URL);
}

function equal(a: unknown, b: unknown): boolean {
  if (a instanceof Duration && b instanceof Duration) return a.nanos === b.nanos;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equal(a[k], b[k]));
  }
  return a === b;
}

function compare(a: unknown, b: unknown): number {
  if (a instanceof Duration && b instanceof Duration) return a.nanos - b.nanos;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new CelUnsupported('incomparable values');
}

function size(v: unknown): number {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (isMap(v)) return Object.keys(v).length;
  throw new CelUnsupported('size of a scalar');
}

function str(v: unknown): string {
  if (typeof v !== 'string') throw new CelUnsupported('expected a string');
  return v;
}

function parseUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

function evaluate(n: Node, env: Map<string, unknown>): unknown {
  switch (n.t) {
    case 'lit':
      return n.v;
    case 'id':
      if (!env.has(n.name)) throw new CelUnsupported(`unknown identifier ${n.name}`);
      return env.get(n.name);
    case 'sel': {
      const o = evaluate(n.obj, env);
      if (!isMap(o) || !(n.field in o)) throw new CelUnsupported(`no such key ${n.field}`);
      return o[n.field];
    }
    case 'idx': {
      const o = evaluate(n.obj, env);
      const i = evaluate(n.index, env);
      if (Array.isArray(o) && typeof i === 'number' && i >= 0 && i < o.length) return o[i];
      if (isMap(o) && typeof i === 'string' && i in o) return o[i];
      throw new CelUnsupported('bad index');
    }
    case 'list':
      return n.items.map((x) => evaluate(x, env));
    case 'map':
      return Object.fromEntries(n.entries.map(([k, v]) => [str(evaluate(k, env)), evaluate(v, env)]));
    case 'un': {
      const v = evaluate(n.arg, env);
      if (n.op === '!') {
        if (typeof v !== 'boolean') throw new CelUnsupported('! of a non-bool');
        return !v;
      }
      if (typeof v !== 'number') throw new CelUnsupported('- of a non-number');
      return -v;
    }
    case 'cond': {
      const t = evaluate(n.test, env);
      if (typeof t !== 'boolean') throw new CelUnsupported('condition is not a bool');
      return evaluate(t ? n.then : n.else, env);
    }
    case 'bin':
      return binary(n.op, n.left, n.right, env);
    case 'call':
      return call(n, env);
  }
}

function binary(op: string, ln: Node, rn: Node, env: Map<string, unknown>): unknown {
  if (op === '&&' || op === '||') {
    // CEL's commutative logic: an error on one side is absorbed when the other side decides.
    let l: unknown;
    let lErr: unknown;
    try {
      l = evaluate(ln, env);
    } catch (e) {
      lErr = e;
    }
    if (op === '&&' && l === false) return false;
    if (op === '||' && l === true) return true;
    const r = evaluate(rn, env);
    if (op === '&&' && r === false) return false;
    if (op === '||' && r === true) return true;
    if (lErr) throw lErr;
    if (typeof l !== 'boolean' || typeof r !== 'boolean') throw new CelUnsupported('logic on non-bools');
    return op === '&&' ? l && r : l || r;
  }
  const l = evaluate(ln, env);
  const r = evaluate(rn, env);
  switch (op) {
    case '==':
      return equal(l, r);
    case '!=':
      return !equal(l, r);
    case '<':
      return compare(l, r) < 0;
    case '<=':
      return compare(l, r) <= 0;
    case '>':
      return compare(l, r) > 0;
    case '>=':
      return compare(l, r) >= 0;
    case 'in':
      if (Array.isArray(r)) return r.some((x) => equal(x, l));
      if (isMap(r)) return str(l) in r;
      throw new CelUnsupported('in on a scalar');
    case '+':
      if (typeof l === 'number' && typeof r === 'number') return l + r;
      if (typeof l === 'string' && typeof r === 'string') return l + r;
      if (Array.isArray(l) && Array.isArray(r)) return [...l, ...r];
      throw new CelUnsupported('+ on mixed types');
    default: {
      if (typeof l !== 'number' || typeof r !== 'number') throw new CelUnsupported(`${op} on non-numbers`);
      if (op === '-') return l - r;
      if (op === '*') return l * r;
      if (r === 0) throw new CelUnsupported('division by zero');
      return op === '/' ? Math.trunc(l / r) : l % r;
    }
  }
}

function call(n: Extract<Node, { t: 'call' }>, env: Map<string, unknown>): unknown {
  const { fn, target, args } = n;
  if (fn === 'has' && !target) {
    const arg = args[0];
    if (args.length !== 1 || !arg || arg.t !== 'sel') throw new CelUnsupported('has() needs a field selection');
    const o = evaluate(arg.obj, env);
    return isMap(o) && arg.field in o && o[arg.field] !== null;
  }
  if (target && ['all', 'exists', 'exists_one', 'filter', 'map'].includes(fn)) {
    const coll = evaluate(target, env);
    const v = args[0];
    const body = args[1];
    if (!v || v.t !== 'id' || !body || args.length !== 2) throw new CelUnsupported(`${fn} needs (var, expr)`);
    const items = Array.isArray(coll) ? coll : isMap(coll) ? Object.keys(coll) : undefined;
    if (!items) throw new CelUnsupported(`${fn} on a scalar`);
    const results = items.map((item) => {
      const inner = new Map(env);
      inner.set(v.name, item);
      return evaluate(body, inner);
    });
    if (fn === 'map') return results;
    if (fn === 'filter') return items.filter((_, i) => results[i] === true);
    if (results.some((x) => typeof x !== 'boolean')) throw new CelUnsupported(`${fn} predicate is not a bool`);
    if (fn === 'all') return results.every(Boolean);
    if (fn === 'exists') return results.some(Boolean);
    return results.filter(Boolean).length === 1;
  }
  const self = target === undefined ? undefined : evaluate(target, env);
  const vals = args.map((a) => evaluate(a, env));
  const [a0, a1] = vals;
  switch (fn) {
    case 'size':
      return size(target ? self : a0);
    case 'contains':
      return str(self).includes(str(a0));
    case 'startsWith':
      return str(self).startsWith(str(a0));
    case 'endsWith':
      return str(self).endsWith(str(a0));
    case 'matches': {
      const [subject, pattern] = target ? [self, a0] : [a0, a1];
      let re: RegExp;
      try {
        re = new RegExp(str(pattern), 'u');
      } catch {
        throw new CelUnsupported('an RE2 pattern JavaScript cannot compile');
      }
      return re.test(str(subject));
    }
    case 'substring': {
      const s = [...str(self)];
      const from = typeof a0 === 'number' ? a0 : NaN;
      const to = typeof a1 === 'number' ? a1 : s.length;
      if (!(from >= 0 && to >= from && to <= s.length)) throw new CelValueError('substring index out of range');
      return s.slice(from, to).join('');
    }
    case 'int': {
      if (typeof a0 === 'number') return Math.trunc(a0);
      if (typeof a0 === 'string' && /^[-+]?\d+$/.test(a0.trim())) return Number(a0);
      throw new CelValueError(`cannot convert ${JSON.stringify(a0)} to int`);
    }
    case 'string':
      return typeof a0 === 'string' ? a0 : JSON.stringify(a0);
    case 'duration':
      return new Duration(parseGoDuration(str(a0)));
    case 'isURL':
      return parseUrl(str(a0)) !== undefined;
    case 'url': {
      const u = parseUrl(str(a0));
      if (!u) throw new CelValueError(`${JSON.stringify(a0)} is not a URL`);
      return u;
    }
    case 'getScheme':
      if (!(self instanceof URL)) throw new CelUnsupported('getScheme on a non-URL');
      return self.protocol.replace(/:$/, '');
    case 'getHostname':
      if (!(self instanceof URL)) throw new CelUnsupported('getHostname on a non-URL');
      return self.hostname;
    default:
      throw new CelUnsupported(`function ${fn} is not supported`);
  }
}

const compiled = new Map<string, Node | CelUnsupported>();

/**
 * Evaluates a validation rule against `self`: true (holds), false (violated, including value errors such as a
 * malformed duration), or undefined when the rule uses something this subset cannot decide.
 */
export function evaluateRule(rule: string, self: unknown): boolean | undefined {
  let ast = compiled.get(rule);
  if (ast === undefined) {
    try {
      ast = new Parser(rule).parse();
    } catch (err) {
      ast = err instanceof CelUnsupported ? err : new CelUnsupported(String(err));
    }
    compiled.set(rule, ast);
  }
  if (ast instanceof CelUnsupported) return undefined;
  try {
    const v = evaluate(ast, new Map([['self', self]]));
    return typeof v === 'boolean' ? v : undefined;
  } catch (err) {
    if (err instanceof CelValueError) return false;
    if (err instanceof CelUnsupported) return undefined;
    throw err;
  }
}
