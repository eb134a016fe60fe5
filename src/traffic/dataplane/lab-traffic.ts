// `lab traffic` as a library: a loopback data plane that follows a shift's live weights and registers with the lab's Prometheus.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { startDataPlane } from './dataplane.js';
import type { DataPlane } from './dataplane.js';
import type { Faults } from './backend.js';
import { WeightFollower, combineTargets } from './follow-weights.js';
import type { LiveTargetWeight, LiveWeightsRead, Split, WeightReader } from './follow-weights.js';
import { shiftSides, upstreamOf } from './shift-sides.js';
import type { ShiftSides } from './shift-sides.js';
import type { RouterSpec } from '../routers/spec.js';
import type { CallSpec } from './calls.js';
import type { SideClusters } from './side-clusters.js';
import type { Side } from './weighted-split.js';

export interface LabTrafficOptions<T extends LiveTargetWeight> {
  /** Folder the lab's Prometheus discovers targets in (`labTrafficTargetsDir(labDir)`). */
  targetsDir: string;
  shift: { name: string; namespace: string };
  router: RouterSpec;
  /** `gates.workload` of the shift: the name the checks read the "to" side under. */
  toWorkload?: { namespace: string; name: string };
  /** The shift's router (or anything with its `read()`). */
  reader: WeightReader<T>;
  rps: number;
  faults?: Partial<Record<Side, Faults>>;
  /** Stop by itself after this long; default 7 days (Ctrl-C is the usual end). */
  durationMs?: number;
  /** Gateway mode: the Service both gateways route to, `ns/name`. */
  upstream?: string;
  /** Istio's cluster id of every end, or of each side (`--cluster`); default `Kubernetes`. */
  cluster?: string | SideClusters;
  /** Service-to-service calls made by each request that reaches a caller (`--call`). */
  calls?: readonly CallSpec[];
  /** Between two reads of the live weights; default 500 ms. */
  pollMs?: number;
  onChange?: (split: Split, live: LiveWeightsRead<T>) => void;
  onError?: (err: unknown, consecutive: number) => void;
  onRecovered?: (failures: number) => void;
}

/** A running `lab traffic`. */
export interface LabTraffic {
  readonly dataPlane: DataPlane;
  readonly sides: ShiftSides;
  /** The file_sd file this data plane registered (removed by stop()). */
  readonly targetFile: string;
  /** The split in force. */
  current(): Split;
  /** Stops following, then the load, the backends and the metrics endpoint, and unregisters. Safe to call twice. */
  stop(): Promise<void>;
}

const TARGET_FILE = /^traffic-(\d+)-\d+\.json$/;
let started = 0;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes target files of `lab traffic` processes that are gone (killed with SIGKILL, so they could not
 * unregister). Prometheus would only record `up == 0` for them, but a clean folder is what `lab status` reads.
 * Returns the files removed.
 */
export async function removeStaleTrafficTargets(targetsDir: string): Promise<string[]> {
  const entries = await readdir(targetsDir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const e of entries) {
    const m = TARGET_FILE.exec(e);
    if (!m || processAlive(Number(m[1]))) continue;
    await rm(path.join(targetsDir, e), { force: true });
    removed.push(e);
  }
  return removed;
}

/**
 * Reads the live weights once (a router that cannot be read stops the start), starts the data plane at that
 * split, registers it for the lab's Prometheus, and keeps following the weights until stopped.
 */
export async function startLabTraffic<T extends LiveTargetWeight>(opts: LabTrafficOptions<T>): Promise<LabTraffic> {
  const sides = shiftSides(opts.router, opts.shift.namespace, opts.toWorkload);
  const first = await opts.reader.read();
  const split = combineTargets(first);
  await removeStaleTrafficTargets(opts.targetsDir);
  const id = `traffic-${process.pid}-${++started}`;
  const faults = opts.faults ?? {};
  const common = {
    rps: opts.rps,
    weights: split,
    limit: { durationMs: opts.durationMs ?? 7 * 24 * 3600_000 },
    ...(opts.cluster !== undefined ? { cluster: opts.cluster } : {}),
    ...(opts.calls ? { calls: opts.calls } : {}),
    scrapeTarget: {
      dir: opts.targetsDir,
      id,
      labels: { meshferry_shift: `${opts.shift.namespace}/${opts.shift.name}`, meshferry_pid: String(process.pid) },
    },
  };
  const from = { ...sides.from, ...(faults.from ? { faults: faults.from } : {}) };
  const to = { ...sides.to, ...(faults.to ? { faults: faults.to } : {}) };
  const dataPlane =
    sides.mode === 'gateway'
      ? // A gateway has no sidecar in front of it: it reports its own requests as the source, itself the source
        // workload. Istio gives a gateway's listeners client-side stats (istio/istio pilot/pkg/model/telemetry.go
        // `MetricsForClass`: ListenerClassGateway → ClientMetrics; `generateStatsConfig` sets SERVER_GATEWAY only
        // for waypoints), and an unset reporter is inferred from the listener direction (istio.io/api
        // envoy/extensions/stats/config.pb.go `Reporter_UNSPECIFIED`). The upstream's sidecar reports the same
        // request as the destination, except when the gateway answers by itself (`--status`, no route).
        await startDataPlane({ ...common, upstream: upstreamOf(opts.upstream, opts.shift.namespace), from, to })
      : await startDataPlane({ ...common, source: { workload: 'lab-traffic', namespace: opts.shift.namespace }, from, to });
  const follower = new WeightFollower<T>({
    reader: opts.reader,
    pollMs: opts.pollMs ?? 500,
    initial: split,
    apply: (s) => dataPlane.setWeights(s.from, s.to),
    ...(opts.onChange ? { onChange: opts.onChange } : {}),
    ...(opts.onError ? { onError: opts.onError } : {}),
    ...(opts.onRecovered ? { onRecovered: opts.onRecovered } : {}),
  });
  // The first read is reported as the first change; the data plane already runs at it.
  opts.onChange?.(split, first);
  follower.start();
  let stopping: Promise<void> | undefined;
  return {
    dataPlane,
    sides,
    targetFile: path.join(opts.targetsDir, `${id}.json`),
    current: () => follower.current ?? split,
    stop(): Promise<void> {
      stopping ??= (async () => {
        await follower.stop();
        await dataPlane.stop();
      })();
      return stopping;
    },
  };
}
