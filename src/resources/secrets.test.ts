import { describe, expect, it } from 'vitest';
import { neatObject } from './neat.js';
import type { KubeObject } from './object.js';
import { ResourceSet } from './resource-set.js';
import { LAST_APPLIED_ANNOTATION, isSecret, redactSecret, secretNotice } from './secrets.js';

const VALUE = 'p4ssw0rd-value';
const B64 = Buffer.from(VALUE).toString('base64');

const secret = (extra: Partial<KubeObject> = {}, annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db', namespace: 'shop', labels: { app: 'db' }, annotations },
  type: 'Opaque',
  data: { password: B64 },
  ...extra,
});

describe('redactSecret', () => {
  it('drops data and stringData, keeps name, labels, type and immutable', () => {
    const out = redactSecret(secret({ stringData: { extra: 'x' }, immutable: true }));
    expect(out).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop', labels: { app: 'db' } }, type: 'Opaque', immutable: true });
  });

  it('drops the last-applied annotation even when the data is not in the object', () => {
    const obj = secret({ data: undefined }, { [LAST_APPLIED_ANNOTATION]: '{"kind":"Secret"}', keep: 'me' });
    expect(redactSecret(obj).metadata.annotations).toEqual({ keep: 'me' });
  });

  it('drops annotations holding a data value raw, base64 or decoded, and copies of data from other tools', () => {
    const obj = secret({ stringData: { token: 'tok-123456' } }, {
      raw: B64,
      decoded: `the password is ${VALUE}`,
      fromStringData: 'tok-123456',
      stringDataEncoded: Buffer.from('tok-123456').toString('base64'),
      'kapp.k14s.io/original': '{"apiVersion":"v1","kind":"Secret","data":{"password":"elsewhere"}}',
      yamlCopy: 'kind: Secret\ndata:\n  password: elsewhere\n',
      'example.com/owner': 'team-a',
    });
    expect(redactSecret(obj).metadata.annotations).toEqual({ 'example.com/owner': 'team-a' });
  });

  it('does not decode malformed base64 into short garbage that would match unrelated annotations', () => {
    const obj = secret({ data: { k: '!!!' } }, { 'example.com/owner': 'team-a' });
    expect(redactSecret(obj).metadata.annotations).toEqual({ 'example.com/owner': 'team-a' });
  });

  it('leaves other kinds alone (same reference) and does not change its input', () => {
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: { [LAST_APPLIED_ANNOTATION]: '{}' } }, data: { a: B64 } };
    expect(redactSecret(cm)).toBe(cm);
    expect(isSecret({ apiVersion: 'example.com/v1', kind: 'Secret' })).toBe(false);
    const s = secret({}, { raw: B64 });
    const before = structuredClone(s);
    redactSecret(s);
    expect(s).toEqual(before);
  });

  it('is applied wherever objects enter a ResourceSet, and by neat', () => {
    const set = ResourceSet.of([secret({}, { [LAST_APPLIED_ANNOTATION]: `{"data":{"password":"${B64}"}}` })]);
    const text = JSON.stringify(set.objects());
    expect(text).not.toContain(B64);
    const viaAdd = new ResourceSet();
    viaAdd.add({ object: secret() }, 'replace');
    expect(JSON.stringify(viaAdd.objects())).not.toContain(B64);
    expect(JSON.stringify(set.map((o) => ({ ...o, data: { password: B64 } })).objects())).not.toContain(B64);
    expect(JSON.stringify(neatObject(secret({}, { raw: B64 })))).not.toContain(B64);
  });

  it('names the Secret and where it came from in one terminal-safe line', () => {
    const line = secretNotice(secret({ metadata: { name: 'db\x1b[2J', namespace: 'shop' } }), 'in.yaml:3');
    expect(line).toMatch(/^note: Secret shop\/db\\x1b\[2J \(in\.yaml:3\): its data was not kept/);
    expect(line).not.toContain('\n');
  });
});
