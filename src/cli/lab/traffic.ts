// `meshferry lab traffic SHIFTFILE`: a loopback data plane that follows a shift's live weights, with faults per side and Istio metrics.
import type { Command } from 'commander';
import { Option } from 'commander';
import { parseGoDuration } from '../../analyze/schema/cel.js';
import { ExitCode, UsageError } from '../../errors.js';
import { labPrometheus, labTrafficTargetsDir, registerLabTrafficRun } from '../../lab/index.js';
import type { LabTrafficRun } from '../../lab/index.js';
import { readLabState } from '../../lab/state.js';
import { checkCalls, parseCall } from '../../traffic/dataplane/calls.js';
import { faultsFromFlags } from '../../traffic/dataplane/fault-flags.js';
import { parseClusterFlag } from '../../traffic/dataplane/side-clusters.js';
import { startLabTraffic } from '../../traffic/dataplane/lab-traffic.js';
import type { LabTraffic } from '../../traffic/dataplane/lab-traffic.js';
import type { LoadStats } from '../../traffic/dataplane/load-generator.js';
import { KubeconfigClusterSet, createRouter } from '../../traffic/routers/index.js';
import type { LiveWeights } from '../../traffic/routers/index.js';
import { loadTrafficShift } from '../../traffic/shift/spec.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import { log, positiveInt, renderTable, style, writeStdout } from '../io.js';
import { onInterrupt } from '../lifecycle.js';

export interface LabTrafficFlags {
  dir: string;
  rps: number;
  errorRate?: string[];
  latency?: string[];
  status?: string[];
  upstream?: string;
  cluster?: string;
  call?: string[];
  duration?: string;
  pollInterval: string;
  statsEvery: string;
}

function durationFlag(flag: string, value: string): number {
  let ns: number;
  try {
    ns = parseGoDuration(value);
  } catch {
    throw new UsageError(`${flag} ${value}: expected a duration such as 500ms, 30s or 10m`);
  }
  if (ns <= 0) throw new UsageError(`${flag} ${value}: must be longer than 0`);
  return ns / 1e6;
}

function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `cluster1/VirtualService default/cart: to 25 (raw 75/25)`, one per target and route. */
function describeLive(live: LiveWeights): string {
  return live.targets.map((t) => `${t.target} ${t.field}: to ${t.to} (raw ${t.raw.from}/${t.raw.to})`).join('; ');
}

function describeStats(s: LoadStats): string {
  const codes = (side: 'from' | 'to') =>
    Object.entries(s.answered[side])
      .map(([code, n]) => `${code}×${n}`)
      .join(' ') || '-';
  return `sent from ${s.sent.from} (${codes('from')}${s.failed.from ? `, ${s.failed.from} unanswered` : ''}), to ${s.sent.to} (${codes('to')}${s.failed.to ? `, ${s.failed.to} unanswered` : ''})${s.skipped ? `, ${s.skipped} skipped (too many in flight)` : ''}`;
}

function summaryTable(t: LabTraffic): string {
  const s = t.dataPlane.stats();
  const rows = (['from', 'to'] as const).map((side) => [
    side,
    `${t.sides[side].namespace}/${t.sides[side].workload}`,
    String(s.sent[side]),
    Object.entries(s.answered[side])
      .map(([code, n]) => `${code}:${n}`)
      .join(' ') || '-',
    String(s.failed[side]),
  ]);
  return renderTable(['side', 'workload', 'sent', 'answers', 'unanswered'], rows);
}

/** Runs until Ctrl-C (or --duration); returns the exit code. */
export async function runLabTraffic(shiftFile: string, flags: LabTrafficFlags): Promise<number> {
  const faults = faultsFromFlags({ errorRate: flags.errorRate, latency: flags.latency, status: flags.status });
  const pollMs = durationFlag('--poll-interval', flags.pollInterval);
  const statsMs = durationFlag('--stats-every', flags.statsEvery);
  const durationMs = flags.duration === undefined ? undefined : durationFlag('--duration', flags.duration);
  const cluster = parseClusterFlag(flags.cluster);
  const calls = (flags.call ?? []).map(parseCall);
  // A loop is bad usage whatever the shift says: refused before the lab is read.
  checkCalls(calls);
  const shift = await loadTrafficShift(shiftFile);
  const state = await readLabState(flags.dir);
  if (!state) throw new UsageError(`${flags.dir} holds no lab; start one with \`meshferry lab up --dir ${flags.dir} --prometheus\`, or pass --dir with the folder of the lab you started`);
  const prom = await labPrometheus(flags.dir);
  const clusters = new KubeconfigClusterSet({ kubeconfig: state.kubeconfig });
  const router = createRouter(shift.value.spec.router, clusters, { namespace: shift.namespace });
  const name = `${shift.namespace}/${shift.value.metadata.name}`;
  log.info(`lab traffic: ${name}: following its ${router.kind} router (read every ${flags.pollInterval})`);

  let traffic: LabTraffic | undefined;
  let run: LabTrafficRun | undefined;
  let stopping = false;
  const stop = async (): Promise<void> => {
    stopping = true;
    clearInterval(ticker);
    clearInterval(watch);
    await traffic?.stop();
    await run?.remove();
    clusters.close();
  };
  let interrupted = false;
  const off = onInterrupt(async () => {
    interrupted = true;
    await stop();
    log.info('lab traffic: stopped; unregistered from Prometheus discovery');
    if (traffic) await writeStdout(summaryTable(traffic));
  });
  let ticker: NodeJS.Timeout | undefined;
  let watch: NodeJS.Timeout | undefined;
  try {
    traffic = await startLabTraffic({
      targetsDir: labTrafficTargetsDir(flags.dir),
      shift: { name: shift.value.metadata.name, namespace: shift.namespace },
      router: shift.value.spec.router,
      ...(shift.value.spec.gates?.workload ? { toWorkload: shift.value.spec.gates.workload } : {}),
      reader: router,
      rps: flags.rps,
      faults,
      ...(durationMs !== undefined ? { durationMs } : {}),
      ...(flags.upstream ? { upstream: flags.upstream } : {}),
      cluster,
      calls,
      pollMs,
      onChange: (split, live) => log.info(`lab traffic: split from ${split.from} / to ${split.to}  ← ${sanitizeTerminalText(describeLive(live as LiveWeights))}`),
      onError: (err, n) => {
        if (n === 1 || n % 20 === 0)
          log.warn(`lab traffic: cannot read the live weights (${n} in a row; the split stays as it was): ${sanitizeTerminalText(err instanceof Error ? err.message : String(err))}`);
      },
      onRecovered: (n) => log.info(`lab traffic: reading the live weights again after ${n} failed reads`),
    });
    // `lab down` asks it to stop by removing this file; it then ends like --duration (exit 0, a summary).
    run = await registerLabTrafficRun(flags.dir);
  } catch (err) {
    off();
    await stop();
    throw err;
  }
  const t = traffic;
  const registered = run;
  watch = setInterval(() => {
    if (stopping || !registered.stopRequested()) return;
    log.info('lab traffic: the lab is going down (lab down); stopping');
    void t.stop();
  }, 250);
  watch.unref();
  const side = (s: 'from' | 'to') => {
    const f = faults[s];
    const parts = [
      f.errorRate !== undefined ? `${Math.round(f.errorRate * 1000) / 10}% 503` : '',
      f.latencyMs ? `+${f.latencyMs} ms` : '',
      f.status !== undefined ? `every answer ${f.status}` : '',
    ].filter(Boolean);
    return `${s} ${t.sides[s].namespace}/${t.sides[s].workload} in cluster ${t.dataPlane.clusters[s]} at ${t.dataPlane.backends[s].url}${parts.length ? ` (faults: ${parts.join(', ')})` : ''}`;
  };
  log.info(`lab traffic: ${side('from')}; ${side('to')}`);
  log.info(
    `lab traffic: ${flags.rps} requests/s${t.sides.mode === 'gateway' ? ' through the two gateways (reported as gateways report: reporter="source")' : ' from workload lab-traffic'}; metrics at ${t.dataPlane.metricsUrl}`,
  );
  for (const c of calls)
    log.info(`lab traffic: each request that reaches ${c.caller.namespace}/${c.caller.workload} calls ${c.callee.namespace}/${c.callee.workload}${c.cluster ? ` in cluster ${c.cluster}` : ' (in its caller\'s cluster)'}`);
  log.info(
    prom
      ? `lab traffic: registered for the lab's Prometheus at ${prom.url} (${t.targetFile}); try: istio_requests_total{meshferry_shift="${name}"}`
      : `lab traffic: registered in ${t.targetFile}, but the lab has no Prometheus running; add one with \`meshferry lab up --dir ${flags.dir} --prometheus\``,
  );
  log.info(style.dim(`lab traffic: Ctrl-C stops${durationMs !== undefined ? `; ends by itself after ${flags.duration}` : ''}`));
  ticker = setInterval(() => {
    if (!stopping) log.info(style.dim(`lab traffic: ${describeStats(t.dataPlane.stats())}`));
  }, statsMs);
  ticker.unref();
  await t.dataPlane.loadDone;
  // Ctrl-C: the interrupt handler stops everything and prints the summary.
  if (interrupted) return ExitCode.interrupted;
  off();
  await stop();
  await writeStdout(summaryTable(t));
  return ExitCode.ok;
}

/** Registers `lab traffic` under `lab`. */
export function registerLabTraffic(lab: Command, defaultDir: string): void {
  lab
    .command('traffic')
    .summary('send loopback traffic that follows a TrafficShift\'s live weights, with Istio metrics for Prometheus')
    .argument('<shiftfile>', 'a TrafficShift file (the same one `meshferry shift run` takes)')
    .description(
      'The lab has no Envoy (its pods are kwok\'s), so this command stands in for the data plane of one shift:\n' +
        '- it starts two HTTP backends on 127.0.0.1, one for the shift\'s "from" and one for its "to";\n' +
        '- it sends --rps requests per second, split between them by the live weights of the shift\'s router, which ' +
        'it re-reads from the lab API server every --poll-interval: VirtualService or HTTPRoute weights, or the CLB ' +
        'weight annotations of two gateway Services (lbWeight) standing in for the cloud load balancer;\n' +
        '- it serves /metrics with istio_requests_total and istio_request_duration_milliseconds (Istio\'s standard ' +
        'labels and default buckets), as sidecars report them, or for lbWeight as gateways report them ' +
        '(reporter="source", the gateway as source_workload);\n' +
        '- it registers that endpoint in <lab>/traffic-targets/, which the lab\'s Prometheus (`lab up --prometheus`) ' +
        'discovers within a second, and unregisters on exit.\n\n' +
        'Faults make one side unhealthy, so a gated shift has something to roll back from: --error-rate to=0.3 ' +
        'answers 30% of "to" requests with 503, --latency to=200ms delays each answer, --status to=404 answers every ' +
        'request with 404 (a gateway without routes).\n\n' +
        'Names in the metrics: a host `name.ns.svc.cluster.local` (or `name.ns.global`, or a short name in the ' +
        'VirtualService\'s namespace) is workload `name` in namespace `ns`; gates.workload in the file overrides the ' +
        '"to" side. With targets in several clusters, the split is the mean of their "to" weights (they agree ' +
        'except while a step is being written, or after someone edited one cluster).\n\n' +
        'Clusters: every series carries source_cluster and destination_cluster, the Istio cluster ids of the proxy ' +
        'that sends and the one that receives. --cluster NAME puts every end in NAME; --cluster from=A,to=B puts ' +
        'the "from" side in A and the "to" side in B. For lbWeight a side is a gateway and the upstream behind it ' +
        '(each gateway routes to the upstream in its own cluster); for a VirtualService or HTTPRoute the client ' +
        'lab-traffic runs in client=C (default: the "from" cluster). Default: Istio\'s default id, Kubernetes.\n\n' +
        'Calls: --call CALLER=CALLEE[@CLUSTER], both NAMESPACE/WORKLOAD, repeatable. Each request that reaches ' +
        'CALLER (a side\'s workload, a gateway, the --upstream, or the callee of another --call) also counts one ' +
        'request from CALLER to CALLEE, reported by both sidecars (reporter="source" and "destination"), answered ' +
        '200 in 0 ms: counted, not sent. CALLEE runs in the cluster of the side its caller ran on, or in CLUSTER ' +
        'when the flag names one. Chains (A calls B, B calls C) follow each request; a loop, a call given twice ' +
        'or a CALLER no request reaches is refused (exit 2).',
    )
    .option('--dir <dir>', 'lab folder', defaultDir)
    .option('--rps <n>', 'requests per second', positiveInt, 50)
    .addOption(new Option('--error-rate <side=rate>', 'answer this share of one side\'s requests with 503 (e.g. to=0.3 or to=30%); repeatable').argParser(repeatable))
    .addOption(new Option('--latency <side=duration>', 'delay every answer of one side (e.g. to=200ms); repeatable').argParser(repeatable))
    .addOption(new Option('--status <side=code>', 'answer every request of one side with this status (e.g. to=404); repeatable').argParser(repeatable))
    .option('--upstream <ns/name>', 'lbWeight only: the Service both gateways route to, as it appears in the metrics (default: lab-upstream in the shift\'s namespace)')
    .option('--cluster <name|from=A,to=B>', 'Istio cluster id of every end, or of each side (from=, to=, and for sidecar mode client=); default Kubernetes')
    .addOption(new Option('--call <caller=callee[@cluster]>', 'each request reaching CALLER (ns/workload) also calls CALLEE (ns/workload), in CLUSTER or the caller\'s; repeatable').argParser(repeatable))
    .option('--duration <duration>', 'stop by itself after this long (e.g. 10m); default: until Ctrl-C')
    .option('--poll-interval <duration>', 'how often the live weights are read', '500ms')
    .option('--stats-every <duration>', 'how often a line of counters goes to stderr', '10s')
    .addHelpText(
      'after',
      `
Examples:
  # The rehearsal: a lab with Prometheus, traffic that follows the shift, then the shift itself
  $ meshferry lab up --clusters cluster1,cluster2 --prometheus
  $ meshferry lab traffic shift.yaml --rps 100 &
  $ meshferry shift run shift.yaml

  # A failing "to": 30% of its requests answer 503, and each takes 200 ms more
  $ meshferry lab traffic shift.yaml --error-rate to=0.3 --latency to=200ms

  # A gateway cutover by CLB weight where the new gateway has no routes yet
  $ meshferry lab traffic gateway-cutover.yaml --status to=404 --upstream shop/frontend

  # The TCM exit: the old gateway in cluster tcm, the new one in remote; frontend calls payments on each side
  $ meshferry lab traffic shop-ingress-shift.yaml --upstream shop/frontend --cluster from=tcm,to=remote \\
      --call shop/frontend=payments/payments

  # A chain, with one hop pinned to a cluster whatever side its caller ran on
  $ meshferry lab traffic shift.yaml --call shop/frontend=shop/cart --call shop/cart=payments/payments@remote

  # What Prometheus sees (address from \`meshferry lab status\`)
  $ curl -s "$PROM/api/v1/query" --data-urlencode 'query=sum by (destination_workload) (rate(istio_requests_total{reporter="source"}[30s]))'`,
    )
    .action(async (shiftFile: string, flags: LabTrafficFlags) => {
      process.exitCode = await runLabTraffic(shiftFile, flags);
    });
}
