// Kubernetes label selectors (`a=b,c!=d,e in (x,y),!f`): a parser with precise errors and a matcher.

export type SelectorOperator = 'exists' | 'notExists' | 'equals' | 'notEquals' | 'in' | 'notIn';

export interface SelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

/** A parsed selector. The empty selector matches every object, as in kubectl. */
export interface LabelSelector {
  readonly requirements: readonly SelectorRequirement[];
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
}

/** A selector that does not parse; `offset` is the 0-based character where the problem starts. */
export class LabelSelectorError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'LabelSelectorError';
    this.offset = offset;
  }
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a valid label key (`prefix/name`), or undefined when it is. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))
    return `label key "${key}" has an invalid prefix (a lower-case DNS subdomain such as example.com)`;
  if (name.length === 0 || name.length > 63 || !NAME.test(name))
    return `label key "${key}" is invalid (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)`;
  return undefined;
}

/** Why `value` is not a valid label value, or undefined when it is (the empty value is valid). */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !NAME.test(value))
    return `label value "${value}" is invalid (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)`;
  return undefined;
}

type Token = { kind: 'word' | 'op' | 'open' | 'close' | 'comma' | 'end'; text: string; offset: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c === '(' ? 'open' : c === ')' ? 'close' : 'comma', text: c, offset: i });
      i++;
    } else if (c === '=' || c === '!') {
      const two = text.slice(i, i + 2);
      const op = two === '==' || two === '!=' ? two : c;
      tokens.push({ kind: 'op', text: op, offset: i });
      i += op.length;
    } else if (/[A-Za-z0-9._/-]/.test(c)) {
      const start = i;
      while (i < text.length && /[A-Za-z0-9._/-]/.test(text[i]!)) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i), offset: start });
    } else {
      throw new LabelSelectorError(`unexpected character ${JSON.stringify(c)}`, i);
    }
  }
  tokens.push({ kind: 'end', text: '', offset: text.length });
  return tokens;
}

/** Parses Kubernetes selector syntax; throws LabelSelectorError naming the offending position. */
export function parseLabelSelector(text: string): LabelSelector {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token => tokens[pos]!;
  const next = (): Token => tokens[pos++]!;
  const requirements: SelectorRequirement[] = [];

  const readKey = (): string => {
    const t = next();
    if (t.kind !== 'word') throw new LabelSelectorError(`expected a label key, found ${describe(t)}`, t.offset);
    const problem = labelKeyProblem(t.text);
    if (problem) throw new LabelSelectorError(problem, t.offset);
    return t.text;
  };
  const readValue = (): string => {
    const t = peek();
    // `a=` (an empty value) is valid: the value ends where the requirement ends.
    if (t.kind === 'comma' || t.kind === 'end') return '';
    next();
    if (t.kind !== 'word') throw new LabelSelectorError(`expected a label value, found ${describe(t)}`, t.offset);
    const problem = labelValueProblem(t.text);
    if (problem) throw new LabelSelectorError(problem, t.offset);
    return t.text;
  };
  const readSet = (): string[] => {
    const open = next();
    if (open.kind !== 'open') throw new LabelSelectorError(`expected "(" to start a set of values, found ${describe(open)}`, open.offset);
    const values: string[] = [];
    for (;;) {
      const t = next();
      if (t.kind === 'close' && values.length === 0) throw new LabelSelectorError('a set of values cannot be empty', t.offset);
      if (t.kind !== 'word') throw new LabelSelectorError(`expected a value in the set, found ${describe(t)}`, t.offset);
      const problem = labelValueProblem(t.text);
      if (problem) throw new LabelSelectorError(problem, t.offset);
      values.push(t.text);
      const sep = next();
      if (sep.kind === 'close') return values;
      if (sep.kind !== 'comma') throw new LabelSelectorError(`expected "," or ")" in the set, found ${describe(sep)}`, sep.offset);
    }
  };

  if (peek().kind !== 'end') {
    for (;;) {
      const t = peek();
      if (t.kind === 'op' && t.text === '!') {
        next();
        requirements.push({ key: readKey(), operator: 'notExists', values: [] });
      } else {
        const key = readKey();
        const op = peek();
        if (op.kind === 'comma' || op.kind === 'end') requirements.push({ key, operator: 'exists', values: [] });
        else if (op.kind === 'op' && (op.text === '=' || op.text === '==' || op.text === '!=')) {
          next();
          requirements.push({ key, operator: op.text === '!=' ? 'notEquals' : 'equals', values: [readValue()] });
        } else if (op.kind === 'word' && (op.text === 'in' || op.text === 'notin')) {
          next();
          requirements.push({ key, operator: op.text === 'in' ? 'in' : 'notIn', values: readSet() });
        } else throw new LabelSelectorError(`expected =, ==, !=, in or notin after "${key}", found ${describe(op)}`, op.offset);
      }
      const sep = next();
      if (sep.kind === 'end') break;
      if (sep.kind !== 'comma') throw new LabelSelectorError(`expected "," between requirements, found ${describe(sep)}`, sep.offset);
      if (peek().kind === 'end') throw new LabelSelectorError('the selector ends with ","', sep.offset);
    }
  }
  return makeSelector(requirements);
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'the end of the selector' : JSON.stringify(t.text);
}

function makeSelector(requirements: SelectorRequirement[]): LabelSelector {
  return {
    requirements,
    matches(labels) {
      return requirements.every((r) => requirementMatches(r, labels ?? {}));
    },
  };
}

/** Kubernetes semantics: `!=` and `notin` also match objects that lack the key. */
function requirementMatches(r: SelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case 'exists':
      return has;
    case 'notExists':
      return !has;
    case 'equals':
      return has && value === r.values[0];
    case 'notEquals':
      return !has || value !== r.values[0];
    case 'in':
      return has && r.values.includes(value ?? '');
    case 'notIn':
      return !has || !r.values.includes(value ?? '');
  }
}
