// Test support for lab tests: kubectl against a lab context, as a user would run it, plus polling.
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureLabBinaries } from '../../src/lab/binaries.js';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Returns a kubectl runner bound to a kubeconfig (the lab's own kubectl build). */
export async function kubectlFor(kubeconfig: string): Promise<(context: string, args: readonly string[], input?: string) => KubectlResult> {
  const { paths } = await ensureLabBinaries({ build: false });
  return (context, args, input) => {
    const res = spawnSync(paths.kubectl, ['--kubeconfig', kubeconfig, '--context', context, ...args], {
      input: input ?? '',
      encoding: 'utf8',
      env: { ...process.env, KUBECONFIG: kubeconfig },
      timeout: 60_000,
    });
    return { code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
  };
}

/** Polls `check` until it returns a value; the last failure reason goes into the error. */
export async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, limitMs = 120_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(250);
  }
}

export interface PodView {
  name: string;
  phase: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  containers: string[];
  initContainers: { name: string; restartPolicy?: string }[];
  ready: boolean;
}

/** `kubectl get pods -o json` reduced to what the tests look at. */
export function parsePods(json: string): PodView[] {
  const list = JSON.parse(json) as {
    items: {
      metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
      spec: { containers: { name: string }[]; initContainers?: { name: string; restartPolicy?: string }[] };
      status: { phase?: string; conditions?: { type: string; status: string }[] };
    }[];
  };
  return list.items.map((p) => ({
    name: p.metadata.name,
    phase: p.status.phase ?? '',
    labels: p.metadata.labels ?? {},
    annotations: p.metadata.annotations ?? {},
    containers: p.spec.containers.map((c) => c.name),
    initContainers: (p.spec.initContainers ?? []).map((c) => ({ name: c.name, ...(c.restartPolicy ? { restartPolicy: c.restartPolicy } : {}) })),
    ready: (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  }));
}

/** The revision istiod wrote into `sidecar.istio.io/status` when it injected the pod. */
export function injectedRevision(pod: PodView): string | undefined {
  const raw = pod.annotations['sidecar.istio.io/status'];
  if (!raw) return undefined;
  return (JSON.parse(raw) as { revision?: string }).revision;
}

/** True when the pod carries istio-proxy, as a native sidecar (init container, restartPolicy Always) or a container. */
export function hasIstioProxy(pod: PodView): boolean {
  return pod.containers.includes('istio-proxy') || pod.initContainers.some((c) => c.name === 'istio-proxy' && c.restartPolicy === 'Always');
}
