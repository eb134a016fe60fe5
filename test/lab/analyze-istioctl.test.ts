// Differential test: on each corpus case the real `istioctl analyze` reports a code, and meshferry reports the corresponding finding on the same object.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeResources } from '../../src/analyze/index.js';
import type { MessageName } from '../../src/analyze/messages.gen.js';
import { ensureLabBinaries } from '../../src/lab/binaries.js';
import { readResources } from '../../src/resources/yaml-read.js';
import { REPO_ROOT } from '../support/cli.js';

const execFileAsync = promisify(execFile);
const CORPUS = path.join(REPO_ROOT, 'test/fixtures/analyze/istioctl');
const DOCS = readFileSync(path.join(REPO_ROOT, 'docs/analyzers.md'), 'utf8');

/** istioctl code → the meshferry message names that stand for it (docs/analyzers.md, "istioctl codes"). */
const CODE_MAP: Readonly<Record<string, readonly MessageName[]>> = {
  IST0002: ['DeprecatedField'],
  IST0101: ['ReferencedResourceNotFound'],
  IST0102: ['NamespaceNotInjected'],
  IST0106: ['SchemaValidationError'],
  IST0109: ['ConflictingMeshGatewayVirtualServiceHosts'],
  IST0110: ['ConflictingSidecarWorkloadSelectors'],
  IST0111: ['MultipleSidecarsWithoutWorkloadSelectors'],
  IST0112: ['VirtualServiceDestinationPortSelectorRequired'],
  IST0118: ['PortNameIsNotUnderNamingConvention'],
  IST0123: ['NamespaceMultipleInjectionLabels'],
  IST0127: ['ReferencedResourceNotFound'],
  IST0130: ['VirtualServiceUnreachableRule'],
  IST0132: ['VirtualServiceHostNotFoundInGateway'],
  // istio's generic "schema warning" carries deprecations and filter-name notices that meshferry names precisely.
  IST0133: ['SchemaWarning', 'DeprecatedField', 'EnvoyFilterMigrationRisk'],
  IST0145: ['ConflictingGateways'],
  IST0151: ['EnvoyFilterMigrationRisk'],
  IST0155: ['EnvoyFilterMigrationRisk'],
  IST0173: ['DestinationRuleSubsetNotSelectPods'],
  IST0174: ['UnknownDestinationRuleHost'],
};

/** Codes meshferry deliberately does not report; each is explained in docs/analyzers.md. */
const UNMAPPED = ['IST0128', 'IST0129', 'IST0131', 'IST0134', 'IST0138', 'IST0152', 'IST0153', 'IST0154', 'IST0157', 'IST0160', 'IST0175', 'IST0177'];

/** Findings istioctl makes that meshferry intentionally does not; `id` is the anchor in docs/analyzers.md. */
const DIVERGENCES: { id: string; case: string; code: string; origin: string }[] = [
  { id: 'divergence-host-check-on-missing-gateway', case: '01-vs-gateway-missing', code: 'IST0132', origin: 'VirtualService shop/frontend' },
  { id: 'divergence-legacy-gateway-name', case: '11-vs-legacy-gateway-name', code: 'IST0101', origin: 'VirtualService default/legacy' },
  { id: 'divergence-legacy-gateway-name', case: '11-vs-legacy-gateway-name', code: 'IST0132', origin: 'VirtualService default/legacy' },
  { id: 'divergence-host-check-on-missing-gateway', case: '21-vs-delegate-with-gateways', code: 'IST0132', origin: 'VirtualService bookinfo/reviews-delegate' },
];

interface IstioctlFinding {
  code: string;
  level: string;
  origin: string;
  reference: string;
  message: string;
}

const cases = readdirSync(CORPUS, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

let istioctl: string;

beforeAll(async () => {
  istioctl = (await ensureLabBinaries()).paths.istioctl;
});

async function runIstioctl(dir: string): Promise<IstioctlFinding[]> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => path.join(dir, f));
  // With -o json istioctl always exits 0; findings are on stdout.
  const { stdout } = await execFileAsync(istioctl, ['analyze', '--use-kube=false', '-A', '-o', 'json', ...files], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as IstioctlFinding[];
}

describe('differential: istioctl analyze vs meshferry analyze', () => {
  it('has a corpus of at least 15 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it('documents every divergence and unmapped code in docs/analyzers.md', () => {
    for (const d of DIVERGENCES) expect(DOCS, `docs/analyzers.md lacks an anchor ${d.id}`).toContain(`id="${d.id}"`);
    for (const code of UNMAPPED) expect(DOCS, `docs/analyzers.md does not explain ${code}`).toContain(code);
    for (const code of Object.keys(CODE_MAP)) expect(DOCS, `docs/analyzers.md lacks the mapping of ${code}`).toContain(code);
  });

  it.each(cases)('%s', async (name) => {
    const dir = path.join(CORPUS, name);
    const theirs = await runIstioctl(dir);
    const ours = analyzeResources(await readResources([dir])).findings;

    const mapped = theirs.filter((f) => CODE_MAP[f.code]);
    expect(mapped.length, `istioctl reports no mapped code on ${name}: ${JSON.stringify(theirs)}`).toBeGreaterThan(0);
    for (const f of theirs) expect(f.code in CODE_MAP || UNMAPPED.includes(f.code), `istioctl code ${f.code} (${f.message}) is neither mapped nor documented as unmapped`).toBe(true);

    // Per (code, origin): meshferry has at least as many corresponding findings, less the documented divergences.
    const groups = new Map<string, { code: string; origin: string; count: number }>();
    for (const f of mapped) {
      const key = `${f.code}|${f.origin}`;
      const g = groups.get(key) ?? { code: f.code, origin: f.origin, count: 0 };
      g.count++;
      groups.set(key, g);
    }
    for (const { code, origin, count } of groups.values()) {
      const names = CODE_MAP[code] ?? [];
      const have = ours.filter((m) => m.origin === origin && names.includes(m.name as MessageName)).length;
      const allowed = DIVERGENCES.filter((d) => d.case === name && d.code === code && d.origin === origin).length;
      if (allowed > 0) expect(have, `divergence for ${code} on ${origin} is stale: meshferry reports it now`).toBeLessThan(count);
      expect(have, `${code} on ${origin}: istioctl ${count}, meshferry ${names.join('|')} ${have}\nmeshferry: ${JSON.stringify(ours.map((m) => `${m.name} ${m.origin}: ${m.message}`), null, 1)}`).toBeGreaterThanOrEqual(count - allowed);
    }
    for (const d of DIVERGENCES.filter((x) => x.case === name))
      expect(groups.has(`${d.code}|${d.origin}`), `divergence ${d.id}: istioctl no longer reports ${d.code} on ${d.origin}`).toBe(true);
  });
});
