// The loopback data plane of `lab traffic`: two backends, a weighted load between them, and Istio metrics to scrape.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InputError } from '../../errors.js';
import { startBackend } from './backend.js';
import type { Backend, Faults } from './backend.js';
import { EXPOSITION_CONTENT_TYPE } from './exposition.js';
import { IstioRequestMetrics } from './istio-metrics.js';
import type { IstioRequestLabels } from './istio-metrics.js';
import { callsFrom, checkCalls, unreachedCallers } from './calls.js';
import type { CallSpec } from './calls.js';
import { requestLabels } from './request-labels.js';
import type { RequestEnd } from './request-labels.js';
import { resolveSideClusters } from './side-clusters.js';
import type { SideClusters } from './side-clusters.js';
import { LoadGenerator } from './load-generator.js';
import type { LoadLimit, LoadStats } from './load-generator.js';
import { removeScrapeTarget, writeScrapeTarget } from '../scrape-targets.js';
import type { Side } from './weighted-split.js';

/** A workload as Istio names it in metrics. */
export interface WorkloadRef {
  workload: string;
  namespace: string;
}

/** One side: the workload behind it, the Service it is reached through (default: the workload's name), its faults. */
export interface DataPlaneSide extends WorkloadRef {
  service?: string;
  faults?: Faults;
}

/** The Service that two gateways both route to, in gateway mode. */
export interface UpstreamRef extends WorkloadRef {
  service?: string;
}

export interface DataPlaneOptions {
  /** Sidecar mode: the client workload that sends every request to "from" or "to". */
  source?: WorkloadRef;
  /**
   * Gateway mode (the lb-weight cutover): "from" and "to" are two gateways in front of this one upstream. Each
   * side's requests are then reported with that gateway as the source and the upstream as the destination, as
   * a gateway reports them (`reporter="source"`; the upstream's sidecar reports `reporter="destination"`).
   */
  upstream?: UpstreamRef;
  from: DataPlaneSide;
  to: DataPlaneSide;
  rps: number;
  weights: { from: number; to: number };
  limit: LoadLimit;
  /**
   * Which proxies report. A sidecar client and the backends' sidecars report both `source` and `destination`;
   * a gateway's traffic seen only by the gateway is `['source']`. Default both.
   */
  reporters?: readonly ('source' | 'destination')[];
  /**
   * Istio's cluster id in metrics (`source_cluster`/`destination_cluster`): one for every end, or one per side.
   * A side's cluster is where its workload runs: in gateway mode the gateway and the upstream behind it (each
   * gateway routes to the upstream in its own cluster); in sidecar mode the side's workload, while the client
   * runs in `client` (default: the "from" cluster). Default `Kubernetes`, Istio's default (istio/istio
   * pkg/config/constants/constants.go `DefaultClusterName`).
   */
  cluster?: string | SideClusters;
  /**
   * Service-to-service calls: each request that reaches a call's caller (a side's workload, a gateway, the
   * upstream, or the callee of another call) also counts one request from the caller to the callee, reported by
   * both sidecars (answer 200, 0 ms: counted, not sent). Loops and callers no request reaches are refused.
   */
  calls?: readonly CallSpec[];
  /**
   * Announce the metrics endpoint to a Prometheus (file-based discovery): the file `<dir>/<id>.json` is written
   * once the endpoint listens and removed on stop.
   */
  scrapeTarget?: { dir: string; id: string; labels?: Record<string, string> };
}

/** A running data plane. */
export interface DataPlane {
  /** `http://127.0.0.1:PORT/metrics`. */
  readonly metricsUrl: string;
  /** `127.0.0.1:PORT`, as a scrape target. */
  readonly metricsAddress: string;
  readonly backends: Record<Side, Backend>;
  /** The cluster of each end, as the metrics carry it. */
  readonly clusters: Required<SideClusters>;
  /** Settles when the load reached its limit (or was stopped) and its open requests ended. */
  readonly loadDone: Promise<void>;
  setWeights(from: number, to: number): void;
  setFaults(side: Side, faults: Faults): void;
  stats(): LoadStats;
  /** The metrics text as the endpoint serves it now. */
  metricsText(): string;
  /** Stops the load, then the backends and the metrics endpoint. Safe to call twice. */
  stop(): Promise<void>;
}

// Envoy's response flags for a request that got no answer: UF upstream connection failure, UT upstream timeout.
const FAILURE_FLAGS = { connect: 'UF', timeout: 'UT' } as const;

/** Starts both backends, the metrics endpoint and the load, all on 127.0.0.1 at ephemeral ports. */
export async function startDataPlane(opts: DataPlaneOptions): Promise<DataPlane> {
  const reporters = opts.reporters ?? ['source', 'destination'];
  if (reporters.length === 0) throw new InputError('a data plane needs at least one reporter');
  const clusters = resolveSideClusters(opts.cluster);
  if ((opts.source === undefined) === (opts.upstream === undefined))
    throw new InputError('a data plane needs exactly one of "source" (sidecar mode) or "upstream" (gateway mode)');
  const upstream = opts.upstream;
  const endOf = (w: UpstreamRef, cluster: string): RequestEnd => ({ workload: w.workload, namespace: w.namespace, ...(w.service ? { service: w.service } : {}), cluster });
  // Who is the source and who the destination of one side's requests, in each mode, each in its own cluster.
  const ends = (side: Side): { src: RequestEnd; dst: RequestEnd } =>
    upstream
      ? { src: endOf(opts[side], clusters[side]), dst: endOf(upstream, clusters[side]) }
      : { src: endOf(opts.source!, clusters.client), dst: endOf(opts[side], clusters[side]) };
  const labelsOf = (side: Side, reporter: 'source' | 'destination') => requestLabels(ends(side).src, ends(side).dst, reporter);
  const metrics = new IstioRequestMetrics();
  const reportsDestination = reporters.includes('destination');
  const reportsSource = reporters.includes('source');

  const calls = opts.calls ?? [];
  checkCalls(calls);
  const unreached = unreachedCallers(calls, [opts.from, opts.to, ...(upstream ? [upstream] : [])]);
  if (unreached.length > 0)
    throw new InputError(
      `no request reaches ${unreached.join(', ')}, so its calls would never be made: a caller must be ${upstream ? 'a gateway, the upstream' : 'the "from" or "to" workload'} or the callee of another call`,
    );
  // The labels of the call requests one answered request of a side makes: those of the workload it reached
  // first (the side's workload, or its gateway), and in gateway mode those of the upstream behind the gateway.
  const callLabels = (reached: WorkloadRef, cluster: string): Omit<IstioRequestLabels, 'response_code'>[] =>
    callsFrom(reached, cluster, calls).flatMap((r) => [requestLabels(r.source, r.destination, 'source'), requestLabels(r.source, r.destination, 'destination')]);
  const callsOf = (side: Side) => ({
    first: callLabels(upstream ? opts[side] : ends(side).dst, clusters[side]),
    upstream: upstream ? callLabels(upstream, clusters[side]) : [],
  });
  const sideCalls = { from: callsOf('from'), to: callsOf('to') };
  // A `status` fault in gateway mode is the gateway answering by itself: the upstream is not reached.
  const answersAhead = { from: opts.from.faults?.status !== undefined, to: opts.to.faults?.status !== undefined };

  const started: { close(): Promise<void> }[] = [];
  const closeAll = async (): Promise<void> => {
    for (const s of started.splice(0).reverse()) await s.close();
  };
  try {
    const backends = {} as Record<Side, Backend>;
    for (const side of ['from', 'to'] as const) {
      backends[side] = await startBackend({
        destinationLabels: labelsOf(side, 'destination'),
        ...(opts[side].faults ? { faults: opts[side].faults } : {}),
        ...(reportsDestination ? { metrics } : {}),
        ...(upstream ? { statusFaultAnswersAhead: true } : {}),
      });
      started.push(backends[side]);
    }

    const server: Server = createServer((req, res) => {
      if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
        res.setHeader('content-type', EXPOSITION_CONTENT_TYPE);
        res.end(metrics.render());
        return;
      }
      res.statusCode = 404;
      res.end('not found\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    started.push({
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    });
    const metricsPort = (server.address() as AddressInfo).port;
    const target = opts.scrapeTarget;
    if (target) {
      await writeScrapeTarget(target.dir, target.id, { address: `127.0.0.1:${metricsPort}`, ...(target.labels ? { labels: target.labels } : {}) });
      started.push({ close: () => removeScrapeTarget(target.dir, target.id) });
    }

    const sourceLabels = {
      from: labelsOf('from', 'source'),
      to: labelsOf('to', 'source'),
    };
    const load = new LoadGenerator({
      rps: opts.rps,
      weights: opts.weights,
      limit: opts.limit,
      targets: { from: backends.from.url, to: backends.to.url },
      onResponse: (side, status, ms, failure) => {
        if (reportsSource) metrics.record({ ...sourceLabels[side], response_code: String(status), ...(failure ? { response_flags: FAILURE_FLAGS[failure] } : {}) }, ms);
        if (failure) return;
        for (const labels of sideCalls[side].first) metrics.record({ ...labels, response_code: '200' }, 0);
        if (upstream && answersAhead[side]) return;
        for (const labels of sideCalls[side].upstream) metrics.record({ ...labels, response_code: '200' }, 0);
      },
    });
    load.start();

    let stopping: Promise<void> | undefined;
    return {
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      metricsAddress: `127.0.0.1:${metricsPort}`,
      backends,
      clusters,
      loadDone: load.done,
      setWeights: (from, to) => load.setWeights(from, to),
      setFaults: (side, faults) => {
        backends[side].setFaults(faults);
        answersAhead[side] = faults.status !== undefined;
      },
      stats: () => load.stats(),
      metricsText: () => metrics.render(),
      stop(): Promise<void> {
        stopping ??= (async () => {
          await load.stop();
          await closeAll();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
