// Residue report and DECOMMISSION.md: golden files (fixtures/input/N-name.yaml → output/N-name.yaml + .md), order, vendor steps, no secrets.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { expectGolden, expectGoldenText, goldenCases } from '../../../test/support/golden.js';
import { decommissionRunbook, decommissionSteps, residueReport, shellWord, type DecommissionSource, type SourceResidueSnapshot } from './decommission.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

interface Case {
  source: DecommissionSource;
  snapshot: SourceResidueSnapshot;
}

function load(name: string): Case {
  const c = goldenCases(FIXTURES).find((g) => g.name === name);
  if (!c) throw new Error(`no fixture ${name}`);
  return parse(readFileSync(c.inputFile, 'utf8')) as Case;
}

describe('decommission golden files', () => {
  for (const c of goldenCases(FIXTURES)) {
    it(c.name, () => {
      const { source, snapshot } = parse(readFileSync(c.inputFile, 'utf8')) as Case;
      expectGolden(c.outputFile, stringify({ residue: residueReport(snapshot), runbook: decommissionSteps(snapshot, source) }, { lineWidth: 0 }));
      expectGoldenText(c.outputFile.replace(/\.yaml$/, '.md'), decommissionRunbook(snapshot, source));
    });
  }
});

const ids = (c: Case) => decommissionSteps(c.snapshot, c.source).steps.map((s) => s.id);
const before = (list: string[], a: string, b: string) => list.indexOf(a) >= 0 && list.indexOf(b) >= 0 && list.indexOf(a) < list.indexOf(b);

describe('decommission order: nothing fails closed', () => {
  it('self-built: labels, injectors and tags, validators, gateways, each istiod, then the CRD check and the CRDs last', () => {
    expect(ids(load('1-self-built'))).toEqual(['namespace-labels', 'injectors', 'validators', 'gateways', 'istiod-1-17-2', 'istiod-1-18-5', 'crds-check', 'crds']);
  });
  it('managed (TCM): labels, gateways, the vendor release, leftover webhooks, then the CRDs last', () => {
    const list = ids(load('2-tcm'));
    expect(list).toEqual(['namespace-labels', 'gateways', 'vendor-release', 'leftover-webhooks', 'crds-check', 'crds']);
    expect(before(list, 'gateways', 'vendor-release')).toBe(true);
  });
  for (const name of ['1-self-built', '2-tcm']) {
    it(`${name}: webhooks go no later than the control plane, gateways before it, CRDs last and only after their check`, () => {
      const book = decommissionSteps(load(name).snapshot, load(name).source);
      const list = book.steps.map((s) => s.id);
      const cp = list.findIndex((id) => id.startsWith('istiod-') || id === 'vendor-release');
      const webhooks = list.findIndex((id) => id === 'injectors' || id === 'vendor-release');
      expect(webhooks).toBeGreaterThanOrEqual(0);
      expect(webhooks).toBeLessThanOrEqual(cp);
      expect(list.indexOf('gateways')).toBeLessThan(cp);
      expect(list.indexOf('namespace-labels')).toBe(0);
      expect(list.at(-1)).toBe('crds');
      const crds = book.steps.find((s) => s.id === 'crds')!;
      expect(crds.requires?.step).toBe('crds-check');
      expect(book.steps.find((s) => s.id === 'crds-check')!.destructive).toBe(false);
    });
  }
});

describe('decommission commands', () => {
  it('self-built: each revision is uninstalled by the istioctl of its own version, on the source context, never with --purge', () => {
    const book = decommissionSteps(load('1-self-built').snapshot, load('1-self-built').source);
    expect(book.steps.find((s) => s.id === 'istiod-1-18-5')!.commands).toEqual(['istioctl-1.18.5 uninstall --revision 1-18-5 -y --context old-prod']);
    expect(book.steps.find((s) => s.id === 'istiod-1-17-2')!.commands).toEqual(['istioctl-1.17.2 uninstall --revision 1-17-2 -y --context old-prod']);
    const all = book.steps.flatMap((s) => [...s.commands, ...s.verify]);
    expect(all.some((c) => c.includes('--purge'))).toBe(false);
    expect(all.filter((c) => c.startsWith('kubectl')).every((c) => c.startsWith('kubectl --context old-prod '))).toBe(true);
  });
  it('falls back to the source version, and says so when neither is known', () => {
    const snap: SourceResidueSnapshot = { controlPlanes: [], istiods: [{ namespace: 'istio-system', name: 'istiod', revision: 'default' }], gateways: [], crds: [], namespaces: [] };
    expect(decommissionSteps(snap, { istioVersion: '1.20.3' }).steps[0]!.commands).toEqual(['istioctl-1.20.3 uninstall --revision default -y']);
    const bare = decommissionSteps(snap, {}).steps[0]!;
    expect(bare.commands).toEqual(['istioctl uninstall --revision default -y']);
    expect(bare.notes.join(' ')).toMatch(/version of revision default is unknown/);
  });
  it('namespace labels: only the source revisions, its tags, and istio-injection when the source serves it', () => {
    const step = decommissionSteps(load('1-self-built').snapshot, load('1-self-built').source).steps[0]!;
    expect(step.commands).toEqual([
      'kubectl --context old-prod label namespace legacy istio-injection-',
      'kubectl --context old-prod label namespace payments istio.io/rev-',
      'kubectl --context old-prod label namespace shop istio.io/rev-',
    ]);
    expect(step.verify).toContain("kubectl --context old-prod get namespace -l 'istio.io/rev in (1-17-2,1-18-5,prod)' -o name");
    expect(step.notes.join(' ')).toMatch(/3 running pod/);
  });
  it('managed vendors name their own step, never istioctl', () => {
    const snap = load('2-tcm').snapshot;
    const rows: [DecommissionSource['managed'], RegExp][] = [
      ['tcm', /tccli tcm UnlinkCluster/],
      ['asm', /RemoveClusterFromServiceMesh/],
      ['csm', /gcloud container fleet mesh update --management manual/],
    ];
    for (const [managed, wording] of rows) {
      const book = decommissionSteps(snap, { managed });
      const release = book.steps.find((s) => s.id === 'vendor-release')!;
      expect(release.vendorStep).toMatch(wording);
      expect(book.steps.flatMap((s) => s.commands).some((c) => c.includes('istioctl'))).toBe(false);
      if (managed === 'csm') expect(release.commands).toEqual(['kubectl --context tcm-prod -n istio-system delete controlplanerevision 1-18-5 --ignore-not-found']);
      else expect(release.commands).toEqual([]);
    }
  });
  it('a vendor-managed gateway is the vendor step; its Service is still verified gone', () => {
    const g = decommissionSteps(load('2-tcm').snapshot, load('2-tcm').source).steps.find((s) => s.id === 'gateways')!;
    expect(g.vendorStep).toMatch(/TCM console/);
    expect(g.commands).toEqual([]);
    expect(g.verify).toContain('kubectl --context tcm-prod -n istio-system get service istio-ingressgateway --ignore-not-found');
    expect(g.notes.join(' ')).toMatch(/198\.51\.100\.7 is released/);
  });
  it('CRDs shared with the target (InPlace) are kept, never deleted', () => {
    const c = load('1-self-built');
    const book = decommissionSteps(c.snapshot, { ...c.source, crdsShared: true });
    expect(book.steps.map((s) => s.id)).not.toContain('crds');
    expect(book.kept.join(' ')).toMatch(/3 Istio CRD\(s\)/);
    expect(decommissionRunbook(c.snapshot, { ...c.source, crdsShared: true })).not.toMatch(/delete customresourcedefinition/);
  });
  it('the CRD warning is loud and the counts are listed', () => {
    const md = decommissionRunbook(load('1-self-built').snapshot, load('1-self-built').source);
    expect(md).toMatch(/DELETING A CRD DELETES EVERY OBJECT OF IT\. This removes 19 custom resource\(s\)/);
    expect(md).toMatch(/virtualservices\.networking\.istio\.io \(VirtualService\): 12 custom resource/);
  });
  it('an empty source: the runbook says there is nothing to do', () => {
    const c = load('3-empty');
    expect(residueReport(c.snapshot).total).toBe(0);
    expect(decommissionSteps(c.snapshot, c.source).steps).toEqual([]);
    expect(decommissionRunbook(c.snapshot, c.source)).toMatch(/^Nothing to do/m);
  });
});

describe('decommission commands are safe to paste into a shell', () => {
  it.each([
    ['an istiod name', (c: Case) => void (c.snapshot.istiods[0]!.name = 'istiod$(touch /tmp/pwned)')],
    ['a namespace', (c: Case) => void (c.snapshot.namespaces[0]!.name = 'shop; rm -rf /')],
    ['a revision tag', (c: Case) => void (c.snapshot.controlPlanes[0]!.tags[0] = 'canary`id`')],
    ['a CRD', (c: Case) => void (c.snapshot.crds[0]!.name = 'x.istio.io && curl evil')],
    ['a gateway Service', (c: Case) => void (c.snapshot.gateways[0]!.services[0]!.name = "gw'svc")],
  ])('a value that is not a Kubernetes name is refused, never put in a command: %s', (_what, spoil) => {
    const c = load('1-self-built');
    spoil(c);
    expect(() => decommissionSteps(c.snapshot, c.source)).toThrow(/refusing to write a decommission runbook: .* is not a Kubernetes name/);
  });

  it.each([
    ['prod-east', 'prod-east'],
    ['arn:aws:eks:eu-west-1:1234:cluster/prod', 'arn:aws:eks:eu-west-1:1234:cluster/prod'],
    ['my cluster', "'my cluster'"],
    ["it's", `'it'\\''s'`],
    ['$(id)', "'$(id)'"],
  ])('the kube context %j is written as %s', (context, want) => {
    expect(shellWord(context)).toBe(want);
  });

  it('a context with a space is quoted in every command', () => {
    const c = load('1-self-built');
    c.snapshot.context = 'my cluster';
    const commands = decommissionSteps(c.snapshot, c.source).steps.flatMap((s) => [...s.commands, ...s.verify]);
    expect(commands.filter((x) => x.includes('--context')).length).toBeGreaterThan(3);
    for (const x of commands) if (x.includes('--context')) expect(x).toContain("--context 'my cluster'");
  });
});

describe('decommission output carries no secrets', () => {
  const SECRET_VALUE = 'cGFzc3dvcmQtZm9yLXRoZS1vbGQtbWVzaA==';
  const KEY = '-----BEGIN RSA PRIVATE KEY-----';
  /** A snapshot as a careless reader might pass it (extra fields, a Secret object); only declared fields may reach output. */
  function polluted(): SourceResidueSnapshot {
    const c = load('1-self-built');
    const stray = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cacerts', namespace: 'istio-system' }, data: { 'ca-key.pem': SECRET_VALUE, token: KEY } };
    const snap = c.snapshot as SourceResidueSnapshot & Record<string, unknown>;
    snap.secrets = [stray];
    Object.assign(snap.gateways[0]!.services[0]!, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(stray) }, data: stray.data });
    Object.assign(snap.istiods[0]!, { env: [{ name: 'TOKEN', value: SECRET_VALUE }] });
    Object.assign(snap.namespaces[0]!.labels, { 'example.com/api-key': SECRET_VALUE });
    return snap;
  }
  const secretLooking = [/BEGIN [A-Z ]*PRIVATE KEY/, /BEGIN CERTIFICATE/, /\bpassword\b/i, /\btoken\s*[:=]/i, /[A-Za-z0-9+/]{32,}={0,2}/, /\bkind:\s*Secret\b/, /\bdata:/];

  it('only declared fields of the snapshot reach the report, the steps and the runbook', () => {
    const snap = polluted();
    const outputs = [stringify(residueReport(snap)), stringify(decommissionSteps(snap, { istioVersion: '1.18.5' })), decommissionRunbook(snap, { istioVersion: '1.18.5' })];
    for (const out of outputs) {
      expect(out).not.toContain(SECRET_VALUE);
      expect(out).not.toContain(KEY);
      expect(out).not.toContain('cacerts');
      expect(out).not.toContain('api-key');
    }
  });
  for (const c of goldenCases(FIXTURES))
    it(`${c.name}: nothing secret-looking in the output`, () => {
      const { source, snapshot } = parse(readFileSync(c.inputFile, 'utf8')) as Case;
      const text = [stringify(decommissionSteps(snapshot, source)), stringify(residueReport(snapshot)), decommissionRunbook(snapshot, source)].join('\n');
      for (const re of secretLooking) expect(text).not.toMatch(re);
    });
});
