// `migrate finish`: the residue table, DECOMMISSION.md written only inside --output-dir, usage refusals before any cluster is touched, and a --help that teaches.
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.js';
import { residueReport, type SourceResidueSnapshot } from '../../migrate/finish/decommission.js';
import { runCli } from '../../../test/support/cli.js';
import { crdGate, renderResidue, runFinish, RUNBOOK_FILE, writeRunbook } from './finish.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../migrate/finish/fixtures/input/1-self-built.yaml');

describe('renderResidue', () => {
  it('one row per object, grouped, with the count and where the steps are', async () => {
    const { snapshot } = parse(await readFile(FIXTURE, 'utf8')) as { snapshot: SourceResidueSnapshot };
    const text = renderResidue(residueReport(snapshot), '/x/DECOMMISSION.md');
    expect(text.split('\n')[0]).toMatch(/^GROUP +KIND +NAME +WHY$/);
    expect(text).toMatch(/^injectors +MutatingWebhookConfiguration +istio-sidecar-injector-1-18-5 +sidecar injector of revision 1-18-5, serves istio-injection=enabled$/m);
    expect(text).toMatch(/^gateways +Service +istio-system\/istio-ingressgateway +LoadBalancer Service .*tke-existed-lbid=lb-0a1b2c3d/m);
    expect(text).toMatch(/\d+ object\(s\) of the source mesh left in context old-prod; the steps that remove them, in order, are in \/x\/DECOMMISSION.md/);
  });
  it('says when nothing is left', () => {
    expect(renderResidue({ context: 'lab', groups: [], total: 0 }, 'D')).toMatch(/^Nothing of the source mesh is left to remove in context lab\.\n$/);
  });
  it('CRDs the target shares (InPlace) are not rows: the runbook keeps them, and says why', async () => {
    const { snapshot } = parse(await readFile(FIXTURE, 'utf8')) as { snapshot: SourceResidueSnapshot };
    const text = renderResidue(residueReport(snapshot), 'D', { groups: ['crds'], why: ['The 3 Istio CRD(s): the target mesh in this cluster uses them.'] });
    expect(text).not.toMatch(/^crds /m);
    expect(text).toMatch(/^Kept: The 3 Istio CRD\(s\): the target mesh in this cluster uses them\.$/m);
    const onlyCrds = renderResidue({ groups: [{ id: 'crds', title: 't', items: [{ kind: 'CustomResourceDefinition', name: 'x.istio.io', why: 'w' }] }], total: 1 }, 'D', { groups: ['crds'], why: ['k'] });
    expect(onlyCrds).toBe('Nothing of the source mesh is left to remove in the current context.\nKept: k\n');
  });
  it('drops terminal controls a cluster could put in a name', () => {
    const text = renderResidue({ groups: [{ id: 'istiod', title: 't', items: [{ kind: 'Deployment', name: 'x\u001b]0;owned\u0007', why: 'w' }] }], total: 1 }, 'D');
    expect(text).not.toContain('\u001b');
  });
});

describe('writeRunbook', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'meshferry-finish-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes DECOMMISSION.md inside the folder (made when missing), leaving no temporary file', async () => {
    const out = path.join(dir, 'new', 'folder');
    const file = await writeRunbook(out, '# runbook\n');
    expect(file).toBe(path.join(out, RUNBOOK_FILE));
    expect(await readFile(file, 'utf8')).toBe('# runbook\n');
    expect(await readdir(out)).toEqual([RUNBOOK_FILE]);
  });
  it('refuses a symbolic link in its place instead of following it out of the folder', async () => {
    const outside = path.join(dir, 'outside.md');
    await writeFile(outside, 'keep me');
    const out = path.join(dir, 'out');
    await writeRunbook(out, 'first');
    await rm(path.join(out, RUNBOOK_FILE));
    await symlink(outside, path.join(out, RUNBOOK_FILE));
    await expect(writeRunbook(out, 'second')).rejects.toThrow(/is a symbolic link, and the runbook is written only inside --output-dir/);
    expect(await readFile(outside, 'utf8')).toBe('keep me');
  });
});

describe('runFinish usage (refused before any cluster is touched)', () => {
  const noCluster = { kubeconfig: '/nonexistent/kubeconfig' };
  const io = { tty: false, ask: async () => true };
  it('--yes without --execute', async () => {
    await expect(runFinish('m', { ...noCluster, yes: true }, io)).rejects.toThrow(UsageError);
  });
  it('--execute without a terminal and without --yes', async () => {
    await expect(runFinish('m', { ...noCluster, execute: true }, io)).rejects.toThrow(/there is no terminal to ask on: pass --yes/);
  });
});

describe('migrate finish --help', () => {
  it('teaches what it reads, what it writes, what --execute does and refuses', () => {
    const r = runCli(['migrate', 'finish', '--help']);
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    for (const phrase of ['phase Finished', 'spec.source.context', 'DECOMMISSION.md', 'nothing is removed', 're-runs the finish checks live', 'refuses (exit 1, naming the evidence)', 'journaled first as step `decommission`', 'uid precondition', "vendor step is printed, never run", 'without one, --execute needs --yes', 'never with --yes alone'])
      expect(help).toContain(phrase);
  });
});

describe('the CRD step of --execute follows the ConfigParity verdict read live', () => {
  const check = (verdict: 'pass' | 'fail' | 'notProven' | 'skipped') => ({ name: 'ConfigParity' as const, verdict, evidence: [] });
  it.each([
    ['passed, on a terminal: asked', [check('pass')], true, { allowed: true }],
    ['passed, without a terminal: never (--yes alone never confirms it)', [check('pass')], false, { allowed: false, why: '--yes never confirms that: it is asked only on a terminal' }],
    ['failed: refused, naming the verdict', [check('fail')], true, { allowed: false, why: 'the finish check ConfigParity is fail, so nothing proves the target holds its own copy of them' }],
    ['skipped (no config imported): refused', [check('skipped')], true, { allowed: false, why: 'the finish check ConfigParity is skipped, so nothing proves the target holds its own copy of them' }],
    ['not run (InPlace): refused', [], true, { allowed: false, why: 'the finish check ConfigParity is not run for this migration, so nothing proves the target holds its own copy of them' }],
  ])('%s', (_name, checks, tty, want) => {
    expect(crdGate(checks, tty)).toEqual(want);
  });
});
