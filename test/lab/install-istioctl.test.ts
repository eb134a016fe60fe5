// Every IstioOperator the install planner's golden files hold is accepted by the real `istioctl manifest generate`.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ensureLabBinaries } from '../../src/lab/binaries.js';
import { isPlainObject, type KubeObject } from '../../src/resources/object.js';
import { REPO_ROOT } from '../support/cli.js';

const execFileAsync = promisify(execFile);
const OUTPUT = path.join(REPO_ROOT, 'src/install/fixtures/output');

/** Every generated IstioOperator file below the golden output folders, as paths relative to OUTPUT. */
function operatorFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.yaml') && /^kind: IstioOperator$/m.test(readFileSync(full, 'utf8'))) out.push(path.relative(OUTPUT, full));
    }
  };
  walk(OUTPUT);
  return out.sort();
}

function objectsOf(manifest: string): KubeObject[] {
  return parseAllDocuments(manifest)
    .map((d) => d.toJS() as unknown)
    .filter((o): o is KubeObject => isPlainObject(o) && typeof o.kind === 'string' && isPlainObject(o.metadata));
}

const find = (objs: KubeObject[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);

let istioctl: string;
const files = operatorFiles();

beforeAll(async () => {
  // Builds the lab binaries when missing (tens of minutes, cold); never skips.
  istioctl = (await ensureLabBinaries()).paths.istioctl;
});

describe('istioctl manifest generate accepts every planned IstioOperator', () => {
  it('finds the golden IstioOperators (one per cluster at least, plus split gateway files)', () => {
    expect(files.length).toBeGreaterThanOrEqual(13);
    expect(files.some((f) => f.endsWith('eastwest-gateway.yaml'))).toBe(true);
  });

  it.each(files)('%s', async (rel) => {
    const file = path.join(OUTPUT, rel);
    const { stdout, stderr } = await execFileAsync(istioctl, ['manifest', 'generate', '-f', file], {
      maxBuffer: 64 * 1024 * 1024,
      // Never reach for a real cluster: generate is offline.
      env: { ...process.env, KUBECONFIG: path.join(REPO_ROOT, 'does-not-exist.kubeconfig') },
    });
    expect(stderr).not.toMatch(/^Error/m);
    const objs = objectsOf(stdout);
    expect(objs.length).toBeGreaterThan(0);

    // What the file asked for is what istioctl renders.
    const iop = parseAllDocuments(readFileSync(file, 'utf8'))
      .map((d) => d.toJS() as unknown)
      .find((o): o is KubeObject => isPlainObject(o) && o.kind === 'IstioOperator');
    expect(iop).toBeDefined();
    const spec = (iop as KubeObject).spec as { profile?: string; values?: { global?: Record<string, unknown> }; components?: { ingressGateways?: { name: string; namespace?: string; enabled: boolean; k8s?: { serviceAnnotations?: Record<string, string> } }[] } };
    for (const gw of spec.components?.ingressGateways ?? []) {
      const svc = find(objs, 'Service', gw.name);
      if (!gw.enabled) {
        expect(svc, `${gw.name} is disabled`).toBeUndefined();
        continue;
      }
      expect(svc, `Service ${gw.name}`).toBeDefined();
      expect(svc?.metadata.namespace).toBe(gw.namespace ?? 'istio-system');
      expect(svc?.metadata.annotations ?? {}).toMatchObject(gw.k8s?.serviceAnnotations ?? {});
      if (gw.name === 'istio-eastwestgateway') {
        const ports = ((svc?.spec as { ports?: { port: number }[] }).ports ?? []).map((p) => p.port);
        expect(ports).toEqual(expect.arrayContaining([15021, 15443, 15012, 15017]));
        const dep = find(objs, 'Deployment', gw.name);
        expect(JSON.stringify(dep)).toContain('ISTIO_META_REQUESTED_NETWORK_VIEW');
      }
    }
    const istiod = objs.find((o) => o.kind === 'Deployment' && o.metadata.name.startsWith('istiod'));
    if (spec.profile === 'default') expect(istiod, 'a primary runs istiod').toBeDefined();
    if (spec.profile === 'remote' || spec.profile === 'empty') expect(istiod, `profile ${spec.profile} runs no istiod`).toBeUndefined();
    if (spec.profile === 'remote') {
      // The remote's istiod Service points at remotePilotAddress (EndpointSlice for an IP, ExternalName for a host name).
      const address = String(spec.values?.global?.remotePilotAddress);
      expect(stdout).toContain(address);
    }
  });
});
