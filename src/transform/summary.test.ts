// The summary counts each changed object once, however many rules touched it and whatever it is renamed to.
import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../resources/object.js';
import { ResourceSet } from '../resources/resource-set.js';
import { applyRules } from './apply.js';
import { buildReport } from './report.js';
import type { TransformRules } from './types.js';

/** `namespaces` Namespaces, each holding `perNamespace` VirtualServices with one `.global` host in two fields. */
function generated(namespaces: number, perNamespace: number): KubeObject[] {
  const out: KubeObject[] = [];
  for (let n = 0; n < namespaces; n++) {
    out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns${n}` } });
    for (let i = 0; i < perNamespace; i++)
      out.push({
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: `vs${i}`, namespace: `ns${n}` },
        spec: { hosts: [`a${i}.ns${n}.global`], http: [{ route: [{ destination: { host: `a${i}.ns${n}.global` } }] }] },
      });
  }
  return out;
}

const rules = (...list: TransformRules['rules']): TransformRules => ({ apiVersion: 'meshferry.dev/v1alpha1', kind: 'TransformRules', metadata: { name: 't' }, rules: list });

describe('transform summary', () => {
  test('10,000 objects, two of their namespaces renamed before the hosts are mapped: each object counts once', () => {
    const input = ResourceSet.of(generated(100, 99));
    expect(input.size).toBe(10_000);
    const r = rules({ mapNamespace: { from: 'ns1', to: 'ns1-v2' } }, { mapNamespace: { from: 'ns2', to: 'ns2-v2' } }, { mapHost: { fromSuffix: '.global', toSuffix: '.svc.cluster.local' } });
    const result = applyRules(input, r);
    const report = buildReport({ rules: r, inputs: ['-'], objectsIn: input.size, objectsOut: result.set.size, changes: result.changes, notes: result.notes, changedObjects: result.changedObjects });
    // 9,900 VirtualServices get two host changes each; the two renamed Namespaces and their 198 VirtualServices
    // also get a name or namespace change.
    expect(report.summary.changes).toBe(9_900 * 2 + 2 + 198);
    expect(report.summary.changes).toBe(result.changes.length);
    expect(report.summary.changedObjects).toBe(9_900 + 2);
    expect(report.summary.objectsIn).toBe(10_000);
    expect(report.summary.objectsOut).toBe(10_000);
  });

  test('an object changed and then dropped counts as changed and as dropped; a rule undoing another still counts both', () => {
    const input = ResourceSet.of(generated(1, 2));
    const r = rules(
      { mapHost: { fromSuffix: '.global', toSuffix: '.local' } },
      { mapHost: { fromSuffix: '.local', toSuffix: '.global' } },
      { drop: { names: ['vs0'] } },
    );
    const result = applyRules(input, r);
    const report = buildReport({ rules: r, inputs: ['-'], objectsIn: input.size, objectsOut: result.set.size, changes: result.changes, notes: result.notes, changedObjects: result.changedObjects });
    expect(report.summary).toMatchObject({ changes: 8, changedObjects: 2, dropped: 1, objectsIn: 3, objectsOut: 2 });
  });
});
