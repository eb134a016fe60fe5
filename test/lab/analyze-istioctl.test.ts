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
import { CODE_MAP, SHARED_NAMES, UNMAPPED } from './analyze-istio-codes.js';

const execFileAsync = promisify(execFile);
const CORPUS = path.join(REPO_ROOT, 'test/fixtures/analyze/istioctl');
const DOCS = readFileSync(path.join(REPO_ROOT, 'docs/analyzers.md'), 'utf8');

/**
 * Every intended divergence, in both directions, in one place; `id` is the anchor in docs/analyzers.md, which says why.
 * - `istioctl-only`: istioctl reports `code` on `origin` and meshferry deliberately does not.
 * - `meshferry-only`: meshferry reports `name` on `origin` (a shared check) and istioctl does not.
 */
const DIVERGENCES: ({ id: string; case: string; origin: string } & ({ direction: 'istioctl-only'; code: string } | { direction: 'meshferry-only'; name: MessageName }))[] = [
  { direction: 'istioctl-only', id: 'divergence-host-check-on-missing-gateway', case: '01-vs-gateway-missing', code: 'IST0132', origin: 'VirtualService shop/frontend' },
  { direction: 'istioctl-only', id: 'divergence-legacy-gateway-name', case: '11-vs-legacy-gateway-name', code: 'IST0101', origin: 'VirtualService default/legacy' },
  { direction: 'istioctl-only', id: 'divergence-legacy-gateway-name', case: '11-vs-legacy-gateway-name', code: 'IST0132', origin: 'VirtualService default/legacy' },
  { direction: 'istioctl-only', id: 'divergence-host-check-on-missing-gateway', case: '21-vs-delegate-with-gateways', code: 'IST0132', origin: 'VirtualService bookinfo/reviews-delegate' },
];

/**
 * Kinds whose objects istioctl drops from files (Service, Pod, Namespace, Secret: istio-facts.md), so it runs no
 * check on them or on references into them; meshferry checks them (docs/analyzers.md#divergence-runtime-kinds).
 */
const RUNTIME_KINDS = /^(Service|Pod|Namespace|Secret) /;

const istioOnly = (d: (typeof DIVERGENCES)[number]): d is (typeof DIVERGENCES)[number] & { direction: 'istioctl-only'; code: string } => d.direction === 'istioctl-only';

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
      const allowed = DIVERGENCES.filter(istioOnly).filter((d) => d.case === name && d.code === code && d.origin === origin).length;
      if (allowed > 0) expect(have, `divergence for ${code} on ${origin} is stale: meshferry reports it now`).toBeLessThan(count);
      expect(have, `${code} on ${origin}: istioctl ${count}, meshferry ${names.join('|')} ${have}\nmeshferry: ${JSON.stringify(ours.map((m) => `${m.name} ${m.origin}: ${m.message}`), null, 1)}`).toBeGreaterThanOrEqual(count - allowed);
    }
    for (const d of DIVERGENCES.filter(istioOnly).filter((x) => x.case === name))
      expect(groups.has(`${d.code}|${d.origin}`), `divergence ${d.id}: istioctl no longer reports ${d.code} on ${d.origin}`).toBe(true);

    // The other direction: per (check, origin), meshferry reports no more of a shared check than istioctl's
    // findings that stand for it, less the documented divergences.
    const theirsFor = (check: MessageName, origin: string) => theirs.filter((f) => f.origin === origin && (CODE_MAP[f.code] ?? []).includes(check)).length;
    const extra = new Map<string, { check: MessageName; origin: string; count: number; messages: string[] }>();
    for (const m of ours) {
      const check = m.name as MessageName;
      if (!SHARED_NAMES.has(check) || !m.origin || RUNTIME_KINDS.test(m.origin)) continue;
      const key = `${check}|${m.origin}`;
      const g = extra.get(key) ?? { check, origin: m.origin, count: 0, messages: [] };
      g.count++;
      g.messages.push(m.message);
      extra.set(key, g);
    }
    for (const { check, origin, count, messages } of extra.values()) {
      const allowed = DIVERGENCES.filter((d) => d.direction === 'meshferry-only' && d.case === name && d.name === check && d.origin === origin).length;
      const istio = theirsFor(check, origin);
      if (allowed > 0) expect(count, `divergence for ${check} on ${origin} is stale: istioctl reports it now`).toBeGreaterThan(istio);
      expect(count, `meshferry reports ${check} on ${origin} ${count}x, istioctl ${istio}x (${messages.join(' | ')})\nistioctl: ${JSON.stringify(theirs.map((f) => `${f.code} ${f.origin}: ${f.message}`), null, 1)}`).toBeLessThanOrEqual(istio + allowed);
    }
  });
});
