// Label selector parser and matcher: valid syntax, precise errors, Kubernetes matching semantics.
import { describe, expect, test } from 'vitest';
import { LabelSelectorError, parseLabelSelector, type SelectorRequirement } from './label-selector.js';

describe('parseLabelSelector: valid selectors', () => {
  const cases: { text: string; want: SelectorRequirement[] }[] = [
    { text: '', want: [] },
    { text: '   ', want: [] },
    { text: 'app=web', want: [{ key: 'app', operator: 'equals', values: ['web'] }] },
    { text: 'app==web', want: [{ key: 'app', operator: 'equals', values: ['web'] }] },
    { text: 'tier!=db', want: [{ key: 'tier', operator: 'notEquals', values: ['db'] }] },
    { text: 'app=', want: [{ key: 'app', operator: 'equals', values: [''] }] },
    { text: 'istio.io/rev', want: [{ key: 'istio.io/rev', operator: 'exists', values: [] }] },
    { text: '!legacy', want: [{ key: 'legacy', operator: 'notExists', values: [] }] },
    { text: 'env in (prod, stage)', want: [{ key: 'env', operator: 'in', values: ['prod', 'stage'] }] },
    { text: 'env notin (dev)', want: [{ key: 'env', operator: 'notIn', values: ['dev'] }] },
    {
      text: 'a=b,c!=d,e in (x,y),!f',
      want: [
        { key: 'a', operator: 'equals', values: ['b'] },
        { key: 'c', operator: 'notEquals', values: ['d'] },
        { key: 'e', operator: 'in', values: ['x', 'y'] },
        { key: 'f', operator: 'notExists', values: [] },
      ],
    },
    { text: ' app = web , !x ', want: [{ key: 'app', operator: 'equals', values: ['web'] }, { key: 'x', operator: 'notExists', values: [] }] },
  ];
  test.each(cases)('$text', ({ text, want }) => {
    expect(parseLabelSelector(text).requirements).toEqual(want);
  });
});

describe('parseLabelSelector: errors name the character', () => {
  const cases: { text: string; offset: number; message: RegExp }[] = [
    { text: 'app=web,', offset: 7, message: /ends with ","/ },
    { text: 'env in ()', offset: 8, message: /cannot be empty/ },
    { text: 'env in (a', offset: 9, message: /"," or "\)"/ },
    { text: 'env in a', offset: 7, message: /expected "\("/ },
    { text: 'a b', offset: 2, message: /expected =, ==, !=, in or notin/ },
    { text: 'a=b c', offset: 4, message: /expected "," between requirements/ },
    { text: '=x', offset: 0, message: /expected a label key/ },
    { text: 'app=we$b', offset: 6, message: /unexpected character "\$"/ },
    { text: 'Bad_Prefix.COM/x=1', offset: 0, message: /invalid prefix/ },
    { text: 'a=-bad-', offset: 2, message: /label value "-bad-" is invalid/ },
    { text: `${'k'.repeat(64)}=v`, offset: 0, message: /label key .* is invalid/ },
  ];
  test.each(cases)('$text', ({ text, offset, message }) => {
    let caught: unknown;
    try {
      parseLabelSelector(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LabelSelectorError);
    expect((caught as LabelSelectorError).offset).toBe(offset);
    expect((caught as LabelSelectorError).message).toMatch(message);
  });
});

describe('LabelSelector.matches follows Kubernetes semantics', () => {
  const labels = { app: 'web', env: 'prod' };
  const cases: { selector: string; labels: Record<string, string> | undefined; want: boolean }[] = [
    { selector: '', labels: undefined, want: true },
    { selector: 'app=web', labels, want: true },
    { selector: 'app=api', labels, want: false },
    { selector: 'app!=api', labels, want: true },
    { selector: 'missing!=x', labels, want: true }, // != matches objects without the key
    { selector: 'missing', labels, want: false },
    { selector: '!missing', labels, want: true },
    { selector: '!app', labels, want: false },
    { selector: 'env in (stage,prod)', labels, want: true },
    { selector: 'env in (stage)', labels, want: false },
    { selector: 'env notin (prod)', labels, want: false },
    { selector: 'missing notin (x)', labels, want: true }, // notin too
    { selector: 'missing in (x)', labels, want: false },
    { selector: 'app=web,env=stage', labels, want: false },
    { selector: 'app=', labels: { app: '' }, want: true },
    { selector: 'app', labels: undefined, want: false },
  ];
  test.each(cases)('$selector on $labels → $want', ({ selector, labels: l, want }) => {
    expect(parseLabelSelector(selector).matches(l)).toBe(want);
  });
});
