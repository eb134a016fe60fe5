// `meshferry migrate` without a cluster: the status table, the status after a rollback, bad kubeconfig input, CrossCluster files (checked, outlined, refused) and the apply record.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeUnreachableKubeconfig } from '../../../test/support/kube/unreachable-kubeconfig.js';
import { parse as parseYaml } from 'yaml';
import { hasStackTrace, runCli } from '../../../test/support/cli.js';
import { localJournalDir } from '../../journal/journal.js';
import { recordApply } from '../../migrate/config.js';
import { parseMigration } from '../../migrate/load.js';
import { rolledBackStatus } from '../../migrate/rollback.js';
import { contextsOf, MIGRATION_API_VERSION, MIGRATION_KIND, type MeshMigration, type MeshMigrationSpec, type MigrationStatus } from '../../migrate/spec.js';
import { refuseUntrustedRun, renderStatus } from './index.js';
import { specDigest } from '../../migrate/config.js';

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

  it('a CrossCluster wave shows its stage, copies, objects left alone and scale-downs, and the finish checks', () => {
    const cross = {
      ...finished,
      residue: undefined,
      waves: [{ name: 'shop', state: 'OptedIn' as const, stage: 'Ready' as const, copied: 12, scaledDown: 0, leftAlone: ['ConfigMap shop/x: written in remote by argocd-controller; meshferry never fights another owner'], counts: { workloads: 2, restarted: 0, verifiedPods: 3, untouched: 0 } }],
      finishChecks: [{ name: 'SourcePods' as const, verdict: 'fail' as const, evidence: ['Deployment shop/a in context tcm has spec.replicas 1'] }],
    };
    const text = renderStatus('exit', cross);
    expect(text).toMatch(/^WAVE +STATE +STAGE +COPIED +LEFT ALONE +VERIFIED PODS +SCALED DOWN +REASON$/m);
    expect(text).toMatch(/^shop +OptedIn +Ready +12 +1 +3 +0/m);
    expect(text).toContain('Left alone by wave shop (another owner, or a Secret that exists):\n  - ConfigMap shop/x: written in remote by argocd-controller');
    expect(text).toContain('Finish checks:\n  - SourcePods: fail (Deployment shop/a in context tcm has spec.replicas 1)');
  });

  it('a wave name or stage someone wrote into the status with terminal escapes is shown inert', () => {
    const evil = 'shop\u001b]0;owned\u0007';
    const cross = { ...finished, residue: undefined, waves: [{ name: evil, state: 'OptedIn' as const, stage: 'Ready\u001b[2J' as 'Ready', copied: 1, leftAlone: ['x'], counts: { workloads: 1, restarted: 0, verifiedPods: 0, untouched: 0 } }] };
    expect(renderStatus('exit', cross)).not.toContain('\u001b');
    expect(renderStatus('up', { ...finished, waves: [{ ...finished.waves[0]!, name: evil }] })).not.toContain('\u001b');
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
  const kubeconfig = writeUnreachableKubeconfig(dir, ['prod', 'staging']);
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

describe('migrate: a CrossCluster file is read, checked and outlined before any cluster is reached', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshferry-migrate-cross-'));
  // Port 1 on loopback: any attempt to reach a cluster would fail with exit 3, so exit 1 or 2 proves none was made.
  const kubeconfig = writeUnreachableKubeconfig(dir, ['tcm', 'primary', 'remote']);
  writeFileSync(path.join(dir, 'rules.yaml'), 'apiVersion: meshferry.dev/v1alpha1\nkind: TransformRules\nmetadata: {name: hosts}\nrules:\n- mapHost: {from: shop.example.com, to: shop.example.net}\n');
  writeFileSync(
    path.join(dir, 'shop-ingress-shift.yaml'),
    'apiVersion: meshferry.dev/v1alpha1\nkind: TrafficShift\nmetadata: {name: shop-ingress, namespace: istio-system}\nspec:\n  router:\n    lbWeight: {provider: ack, from: {context: tcm, service: istio-system/istio-ingressgateway}, to: {context: remote, service: istio-system/istio-ingressgateway-new}}\n  steps: [50, 100]\n  interval: 2s\n',
  );
  const cross = readFileSync(new URL('../../migrate/fixtures/cross-cluster.yaml', import.meta.url), 'utf8');
  const file = (name: string, text: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const oneParagraph = (r: { stderr: string }) => {
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(hasStackTrace(r.stderr)).toBe(false);
  };

  // The fixture names a Prometheus on 127.0.0.1:9090, which may or may not run here: cases that need none drop it.
  const noProm = cross.replace(/^ {2}prometheus: .*\n/m, '');

  it('plan prints the outline from the file alone and exits 0 when the unknown call graph is accepted', () => {
    const f = file('good.yaml', noProm);
    const r = runCli(['migrate', 'plan', f, '--kubeconfig', kubeconfig, '--accept-unknown-calls']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('MeshMigration exit-tcm (CrossCluster): tcm (revision 1-18-5, managed tcm) → primary (revision 1-31-1), workloads to primary, remote');
    expect(r.stdout).not.toContain('Not executable');
    expect(r.stdout).toContain('Contexts, each found in the kubeconfig: tcm, primary, remote');
    expect(r.stdout).toContain('  1. shop → remote: namespaces shop, payments\n     shift ./shop-ingress-shift.yaml (TrafficShift shop-ingress) to 100\n     scale the source workloads to 0 after 5m without requests');
    expect(r.stdout).toContain('Call graph: unknown over 168h: spec.prometheus is not set');
    expect(r.stdout).toContain('  accepted with --accept-unknown-calls: no wave order is checked');
    expect(r.stderr).toBe('');
    const json = runCli(['migrate', 'plan', f, '--kubeconfig', kubeconfig, '-o', 'json', '--accept-unknown-calls']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: 'exit-tcm', home: 'primary', contexts: ['tcm', 'primary', 'remote'], callGraph: { window: '168h', windowDefault: false, known: false, accepted: true } });
  });

  it('without spec.prometheus the call graph is unknown: plan says so and asks for --accept-unknown-calls, in every output form', () => {
    const f = file('unknown.yaml', noProm.replace(/^ {2}callGraph: .*\n/m, ''));
    const r = runCli(['migrate', 'plan', f, '--kubeconfig', kubeconfig]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('Call graph: unknown over 168h (the default: callGraph.window is unset): spec.prometheus is not set, so meshferry cannot see which namespaces call which\n  blocking: pass --accept-unknown-calls to go on without it, or set spec.prometheus.address');
    expect(r.stderr).toContain('migrate plan: the call graph is unknown (spec.prometheus is not set, so meshferry cannot see which namespaces call which): pass --accept-unknown-calls to go on without it');
    const want = { window: '168h', windowDefault: true, known: false, reason: expect.stringMatching(/^spec\.prometheus is not set/), accepted: false };
    for (const o of ['json', 'yaml']) {
      const out = runCli(['migrate', 'plan', f, '--kubeconfig', kubeconfig, '-o', o]);
      expect(out.code, out.stderr).toBe(1);
      const parsed = (o === 'json' ? JSON.parse(out.stdout) : parseYaml(out.stdout)) as { callGraph: unknown };
      expect(parsed.callGraph).toEqual(want);
    }
  });

  it('a Prometheus that does not answer is exit 3, in one line naming its address, and nothing on stdout', () => {
    const f = file('dead-prom.yaml', cross.replace('http://127.0.0.1:9090', 'http://127.0.0.1:1'));
    const r = runCli(['migrate', 'plan', f, '--kubeconfig', kubeconfig, '--accept-unknown-calls']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^error: migrate plan: cannot read the call graph: Prometheus at http:\/\/127\.0\.0\.1:1, query "sum by .*istio_requests_total\[168h\].*": unreachable \(ECONNREFUSED\)$/m);
    expect(r.stdout).toBe('');
    oneParagraph(r);
  });

  it('a call-graph window of no time is exit 2 at its line', () => {
    const f = file('zero-window.yaml', cross.replace('callGraph: {window: 168h}', 'callGraph: {window: 0s}'));
    const r = runCli(['migrate', 'plan', f, '--kubeconfig', kubeconfig]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${f}:14:`);
    expect(r.stderr).toContain('callGraph.window "0s" is no time at all');
    oneParagraph(r);
  });

  it('apply takes --accept-unknown-calls and, the file being good, goes to its home cluster: unreachable here, exit 3 naming it', () => {
    const f = file('apply-accept.yaml', noProm);
    const r = runCli(['migrate', 'apply', f, '--kubeconfig', kubeconfig, '--accept-unknown-calls']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('primary');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('bad flags are exit 2: --accept-unknown-calls on an InPlace file, a value given to it, a misspelling', () => {
    const inPlace = file('in-place.yaml', ['apiVersion: meshferry.dev/v1alpha1', 'kind: MeshMigration', 'metadata: {name: up}', 'spec:', '  mode: InPlace', '  source: {context: tcm, revision: default}', '  target: {revision: canary}', '  waves: [{name: a, namespaces: [shop]}]', ''].join('\n'));
    for (const verb of ['plan', 'apply']) {
      const r = runCli(['migrate', verb, inPlace, '--kubeconfig', kubeconfig, '--accept-unknown-calls']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('--accept-unknown-calls: MeshMigration up is mode InPlace, which moves no workload to another cluster and reads no call graph; leave the flag out');
      oneParagraph(r);
    }
    const f = file('flags.yaml', noProm);
    expect(runCli(['migrate', 'plan', f, '--kubeconfig', kubeconfig, '--accept-unknown-calls=yes']).code).toBe(2);
    expect(runCli(['migrate', 'plan', f, '--kubeconfig', kubeconfig, '--accept-unknown-call']).code).toBe(2);
  });

  it('apply of a file whose shift file is missing stops before any cluster is reached, exit 2 naming the file', () => {
    const f = file('apply-no-shift.yaml', cross.replace('./shop-ingress-shift.yaml', './nowhere-shift.yaml'));
    const r = runCli(['migrate', 'apply', f, '--kubeconfig', kubeconfig]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('nowhere-shift.yaml');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it.each([
    // A wave's cluster is always one of target.clusters (the loader says so): the list is its first mention.
    { field: 'spec.target.clusters[1]', text: cross.replace('clusters: [primary, remote]', 'clusters: [primary, remote-eu]').replace('cluster: remote,', 'cluster: remote-eu,'), missing: 'remote-eu', line: 9 },
    { field: 'spec.finish.oldGateways[0].context', text: cross.replace('oldGateways: [{context: tcm,', 'oldGateways: [{context: tcm-edge,'), missing: 'tcm-edge', line: 15 },
    { field: 'spec.target.context', text: cross.replace('context: primary,', 'context: home,').replace('clusters: [primary, remote]', 'clusters: [remote]').replace(', cluster: primary', ''), missing: 'home', line: 9 },
  ])('a context at $field that the kubeconfig lacks is exit 2 at its first mention (file:line), for plan and apply', ({ field, text, missing, line }) => {
    const f = file(`missing-${missing}.yaml`, text);
    for (const verb of ['plan', 'apply']) {
      const r = runCli(['migrate', verb, f, '--kubeconfig', kubeconfig]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^error: ${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${line}:\\d+: context "${missing}" is not in the kubeconfig \\(${kubeconfig.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\); known contexts: primary, remote, tcm\\. Fix ${field.replace(/[.[\]]/g, '\\$&')}: a CrossCluster migration reaches every cluster its file names`));
      oneParagraph(r);
    }
  });

  it('--context cannot choose another home cluster', () => {
    const f = file('ctx.yaml', cross);
    const r = runCli(['migrate', 'apply', f, '--kubeconfig', kubeconfig, '--context', 'tcm']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--context tcm: a CrossCluster file names its clusters itself, and its home cluster (where the MeshMigration and its journal live) is spec.target.context, "primary"');
    oneParagraph(r);
  });

  it('a missing shift file is exit 2 at the wave field naming it; a bad one at its own line', () => {
    const f = file('no-shift.yaml', cross.replace('./shop-ingress-shift.yaml', './gone.yaml'));
    const r = runCli(['migrate', 'plan', f, '--kubeconfig', kubeconfig]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${f}:17:`);
    expect(r.stderr).toContain('spec.waves[0].shifts[0] "./gone.yaml": ');
    oneParagraph(r);
    writeFileSync(path.join(dir, 'bad-shift.yaml'), 'apiVersion: meshferry.dev/v1alpha1\nkind: TrafficShift\nmetadata: {name: s}\nspec:\n  steps: [50, 100]\n');
    const bad = runCli(['migrate', 'plan', file('bad.yaml', cross.replace('./shop-ingress-shift.yaml', './bad-shift.yaml')), '--kubeconfig', kubeconfig]);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toContain(path.join(dir, 'bad-shift.yaml'));
  });

  it("a shift's contexts are checked too: one the kubeconfig lacks, or one the migration does not name, is exit 2 at the shift file's line", () => {
    const shift = (to: string, configContext?: string) =>
      `apiVersion: meshferry.dev/v1alpha1\nkind: TrafficShift\nmetadata: {name: s, namespace: istio-system}\nspec:\n  router:\n    lbWeight: {provider: ack, from: {context: tcm, service: istio-system/a}, to: {context: ${to}, service: istio-system/b${configContext ? `, configContext: ${configContext}` : ''}}}\n  steps: [50, 100]\n  interval: 2s\n`;
    const kubeconfig4 = writeUnreachableKubeconfig(mkdtempSync(path.join(tmpdir(), 'meshferry-migrate-kc-')), ['tcm', 'primary', 'remote', 'staging']);
    writeFileSync(path.join(dir, 'typo-shift.yaml'), shift('remote', 'primry'));
    const typo = runCli(['migrate', 'plan', file('typo.yaml', noProm.replace('./shop-ingress-shift.yaml', './typo-shift.yaml')), '--kubeconfig', kubeconfig4]);
    expect(typo.code, typo.stderr).toBe(2);
    expect(typo.stderr).toContain(`${path.join(dir, 'typo-shift.yaml')}:6:`);
    expect(typo.stderr).toContain('context "primry" is not in the kubeconfig');
    oneParagraph(typo);
    writeFileSync(path.join(dir, 'other-shift.yaml'), shift('staging'));
    const other = runCli(['migrate', 'plan', file('other.yaml', noProm.replace('./shop-ingress-shift.yaml', './other-shift.yaml')), '--kubeconfig', kubeconfig4]);
    expect(other.code, other.stderr).toBe(2);
    expect(other.stderr).toContain(`${path.join(dir, 'other-shift.yaml')}:6:`);
    expect(other.stderr).toContain('context "staging" is not one this migration names (tcm, primary, remote)');
    oneParagraph(other);
  });
});

describe('resume and retry trust only what apply recorded', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'meshferry-migrate-record-'));
  const crossSpec = (parseMigration(readFileSync(new URL('../../migrate/fixtures/cross-cluster.yaml', import.meta.url), 'utf8'), 'x.yaml').value.spec);
  const stored = (spec: MeshMigrationSpec, uid: string) => ({ uid, object: { apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, metadata: { name: 'm' }, spec } as MeshMigration });
  const inPlace: MeshMigrationSpec = { mode: 'InPlace', source: { context: 'prod' }, target: { revision: 'canary' }, waves: [{ name: 'a', namespaces: ['shop'] }] };
  const recordFor = async (spec: MeshMigrationSpec, uid: string) => recordApply(localJournalDir({ apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, name: 'm', uid }, home), { base: home, contexts: contextsOf(spec), shifts: [] });
  const noShifts = { ...crossSpec, waves: crossSpec.waves.map(({ shifts: _s, ...w }) => w) };

  it('a CrossCluster object whose spec changed since apply recorded it (same contexts, a namespace added to a wave) is refused; retryCounter may move', async () => {
    await recordApply(localJournalDir({ apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, name: 'm', uid: 'u-spec' }, home), { base: home, contexts: contextsOf(noShifts), shifts: [], spec: specDigest(noShifts) });
    await expect(refuseUntrustedRun(stored({ ...noShifts, retryCounter: 3 }, 'u-spec'), 'm', home)).resolves.toBeUndefined();
    const edited = { ...noShifts, waves: noShifts.waves.map((w, i) => (i === 0 ? { ...w, namespaces: [...(w.namespaces ?? []), 'kube-system'] } : w)) };
    await expect(refuseUntrustedRun(stored(edited, 'u-spec'), 'm', home)).rejects.toMatchObject({ code: 'ApplyRecordMismatch', message: expect.stringMatching(/has a spec other than the one `migrate apply` recorded/) });
  });

  it('a CrossCluster object that names what apply recorded may run', async () => {
    await recordFor(noShifts, 'u1');
    await expect(refuseUntrustedRun(stored(noShifts, 'u1'), 'm', home)).resolves.toBeUndefined();
  });

  it('a CrossCluster object whose contexts were edited in the cluster is refused before anything else, naming the context', async () => {
    await recordFor(noShifts, 'u2');
    const edited = { ...noShifts, target: { ...noShifts.target, clusters: ['primary', 'remote', 'prod-eu'] } };
    await expect(refuseUntrustedRun(stored(edited, 'u2'), 'm', home)).rejects.toMatchObject({ code: 'ApplyRecordMismatch', exitCode: 2, message: expect.stringMatching(/not recorded: prod-eu/) });
    await expect(refuseUntrustedRun(stored(noShifts, 'u-none'), 'm', home)).rejects.toMatchObject({ code: 'ApplyRecordMismatch', message: expect.stringMatching(/has no apply record on this machine/) });
  });

  it('InPlace runs without a record (resume from any machine), and is refused when the object names another context than the record', async () => {
    await expect(refuseUntrustedRun(stored(inPlace, 'u3'), 'm', home)).resolves.toBeUndefined();
    await recordFor(inPlace, 'u4');
    await expect(refuseUntrustedRun(stored(inPlace, 'u4'), 'm', home)).resolves.toBeUndefined();
    await expect(refuseUntrustedRun(stored({ ...inPlace, source: { context: 'staging' } }, 'u4'), 'm', home)).rejects.toMatchObject({ code: 'ApplyRecordMismatch' });
  });
});
