// `meshferry migrate` without a cluster: the status table, the status after a rollback, and bad kubeconfig input.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasStackTrace, runCli } from '../../../test/support/cli.js';
import { rolledBackStatus } from '../../migrate/rollback.js';
import type { MigrationStatus } from '../../migrate/spec.js';
import { renderStatus } from './index.js';

const finished: MigrationStatus = {
  phase: 'Finished',
  message: 'finished: no pod in scope runs the source revision',
  retryCounter: 0,
  observedGeneration: 1,
  conditions: [],
  sourceRevision: 'default',
  waves: [
    { name: 'first', state: 'Verified', counts: { workloads: 2, restarted: 2, verifiedPods: 4, untouched: 0 }, restartAt: '2026-01-01T00:00:00.000Z' },
    { name: 'later', state: 'Pending', counts: { workloads: 0, restarted: 0, verifiedPods: 0, untouched: 0 } },
  ],
  residue: ['injector webhook istio-sidecar-injector (source revision default; meshferry never uninstalls it)'],
  warnings: ['the default revision tag (istio-injection=enabled) still points at the source revision default: move it with `istioctl tag set default --revision canary --overwrite`'],
};

describe('migrate status table', () => {
  it('shows the residue and the warnings, not only the JSON', () => {
    const text = renderStatus('up', finished);
    expect(text).toContain('Residue (still uses the source; meshferry lists it, never removes it):\n  - injector webhook istio-sidecar-injector');
    expect(text).toContain('Warnings:\n  - the default revision tag');
    expect(text).toMatch(/^first +Verified +2 +2 +4 +0/m);
  });

  it('says nothing of residue or warnings when there are none', () => {
    const { residue: _r, warnings: _w, ...bare } = finished;
    const text = renderStatus('up', bare);
    expect(text).not.toMatch(/Residue|Warnings/);
  });
});

describe('status after a rollback', () => {
  it('shows no wave Verified, no verified pods, and none of the forward advice (tag set default) or residue', () => {
    const back = rolledBackStatus({ ...finished, failedCheck: { name: 'Verify', retryCounter: 0 } }, 'default', 7);
    expect(back.phase).toBe('RolledBack');
    expect(back.message).toBe('rolled back to revision default from the journal (7 restore step(s))');
    expect(back.waves).toEqual([
      { name: 'first', state: 'Reverted', reason: 'rolled back to default', counts: { workloads: 2, restarted: 2, verifiedPods: 0, untouched: 0 }, restartAt: '2026-01-01T00:00:00.000Z' },
      { name: 'later', state: 'Pending', counts: { workloads: 0, restarted: 0, verifiedPods: 0, untouched: 0 } },
    ]);
    expect(back.warnings).toBeUndefined();
    expect(back.residue).toBeUndefined();
    expect(back.failedCheck).toBeUndefined();
    const text = renderStatus('up', back);
    expect(text).not.toMatch(/Verified|tag set default|Residue/);
    expect(text).toMatch(/^first +Reverted +2 +2 +0 +0 +rolled back to default$/m);
  });

  it('a wave paused before it started is Pending again, its release forgotten', () => {
    const back = rolledBackStatus({ ...finished, waves: [{ name: 'p', state: 'Paused', released: true, counts: { workloads: 0, restarted: 0, verifiedPods: 0, untouched: 0 } }] }, 'default', 0);
    expect(back.waves).toEqual([{ name: 'p', state: 'Pending', counts: { workloads: 0, restarted: 0, verifiedPods: 0, untouched: 0 } }]);
  });
});

describe('migrate: bad kubeconfig input is exit 2 in one paragraph', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshferry-migrate-cli-'));
  const kubeconfig = path.join(dir, 'config');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
      users: [{ name: 'u', user: { token: 'x' } }],
      contexts: [
        { name: 'prod', context: { cluster: 'c', user: 'u' } },
        { name: 'staging', context: { cluster: 'c', user: 'u' } },
      ],
      'current-context': 'prod',
    }),
  );
  const file = (name: string, text: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const body = (context: string, where: 'source' | 'target') =>
    [
      'apiVersion: meshferry.dev/v1alpha1',
      'kind: MeshMigration',
      'metadata:',
      '  name: up',
      'spec:',
      '  mode: InPlace',
      ...(where === 'source' ? ['  source:', `    context: ${context}`, '    revision: default', '  target:', '    revision: canary'] : ['  target:', `    context: ${context}`, '    revision: canary']),
      '  waves:',
      '    - name: a',
      '      namespaces: [shop]',
      '',
    ].join('\n');

  it.each([
    { where: 'source' as const, line: 8 },
    { where: 'target' as const, line: 8 },
  ])('a context in spec.$where that the kubeconfig lacks points at that field (file:line), for plan and apply', ({ where, line }) => {
    const f = file(`ctx-${where}.yaml`, body('prdo', where));
    for (const verb of ['plan', 'apply']) {
      const r = runCli(['migrate', verb, f, '--kubeconfig', kubeconfig]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${f}:${line}:5: context "prdo" is not in the kubeconfig (${kubeconfig}); known contexts: prod, staging. Fix spec.${where}.context, or pass --context to override it`);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
  });

  it('--context overrides the file context (the kubeconfig is then asked for --context only)', () => {
    const f = file('ctx-override.yaml', body('prdo', 'source'));
    const r = runCli(['migrate', 'plan', f, '--kubeconfig', kubeconfig, '--context', 'nope']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('context "nope" not found');
    expect(r.stderr).not.toContain('prdo');
  });

  it('a --kubeconfig that is a folder: one sentence, no EISDIR, no stack', () => {
    const f = file('plain.yaml', body('prod', 'source'));
    const r = runCli(['migrate', 'plan', f, '--kubeconfig', dir]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`cannot read kubeconfig ${dir}: it is a folder, not a file; name the kubeconfig file itself`);
    expect(r.stderr).not.toMatch(/EISDIR/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
