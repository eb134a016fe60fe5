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
   * Istio's cluster id in metrics (`source_cluster`/`destination_cluster`). Default `Kubernetes`, Istio's
   * default (istio/istio pkg/config/constants/constants.go `DefaultClusterName`).
   */
  cluster?: string;
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

function requestLabels(source: WorkloadRef, side: UpstreamRef, reporter: 'source' | 'destination', cluster: string): Omit<IstioRequestLabels, 'response_code'> {
  const service = side.service ?? side.workload;
  return {
    reporter,
    source_workload: source.workload,
    source_workload_namespace: source.namespace,
    // No mTLS on loopback: Istio reports principals as "unknown" and the policy as "none" at the destination,
    // "unknown" at the source (istio.io docs/reference/config/metrics, connection_security_policy).
    source_principal: 'unknown',
    source_app: source.workload,
    source_version: 'unknown',
    source_canonical_service: source.workload,
    source_canonical_revision: 'latest',
    source_cluster: cluster,
    destination_workload: side.workload,
    destination_workload_namespace: side.namespace,
    destination_principal: 'unknown',
    destination_app: side.workload,
    destination_version: 'unknown',
    destination_service: `${service}.${side.namespace}.svc.cluster.local`,
    destination_service_name: service,
    destination_service_namespace: side.namespace,
    destination_canonical_service: side.workload,
    destination_canonical_revision: 'latest',
    destination_cluster: cluster,
    request_protocol: 'http',
    grpc_response_status: '',
    // Envoy's "no flags" (istio/istio tests/integration/ambient/baseline_test.go expects response_flags="-").
    response_flags: '-',
    connection_security_policy: reporter === 'destination' ? 'none' : 'unknown',
  };
}

// Envoy's response flags for a request that got no answer: UF upstream connection failure, UT upstream timeout.
const FAILURE_FLAGS = { connect: 'UF', timeout: 'UT' } as const;

/** Starts both backends, the metrics endpoint and the load, all on 127.0.0.1 at ephemeral ports. */
export async function startDataPlane(opts: DataPlaneOptions): Promise<DataPlane> {
  const reporters = opts.reporters ?? ['source', 'destination'];
  if (reporters.length === 0) throw new InputError('a data plane needs at least one reporter');
  const cluster = opts.cluster ?? 'Kubernetes';
  if ((opts.source === undefined) === (opts.upstream === undefined))
    throw new InputError('a data plane needs exactly one of "source" (sidecar mode) or "upstream" (gateway mode)');
  // Who is the source and who the destination of one side's requests, in each mode.
  const ends = (side: Side): { src: WorkloadRef; dst: UpstreamRef } =>
    opts.upstream ? { src: opts[side], dst: opts.upstream } : { src: opts.source!, dst: opts[side] };
  const labelsOf = (side: Side, reporter: 'source' | 'destination') => requestLabels(ends(side).src, ends(side).dst, reporter, cluster);
  const metrics = new IstioRequestMetrics();
  const reportsDestination = reporters.includes('destination');
  const reportsSource = reporters.includes('source');

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
        if (!reportsSource) return;
        metrics.record({ ...sourceLabels[side], response_code: String(status), ...(failure ? { response_flags: FAILURE_FLAGS[failure] } : {}) }, ms);
      },
    });
    load.start();

    let stopping: Promise<void> | undefined;
    return {
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      metricsAddress: `127.0.0.1:${metricsPort}`,
      backends,
      loadDone: load.done,
      setWeights: (from, to) => load.setWeights(from, to),
      setFaults: (side, faults) => backends[side].setFaults(faults),
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
