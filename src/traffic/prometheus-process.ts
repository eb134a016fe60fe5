// Runs a real Prometheus (Debian's package) on 127.0.0.1 that scrapes every data plane listed in a targets folder.
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { LabError } from '../errors.js';
import { logTail, startProcess, stopProcesses } from '../lab/process.js';
import type { ProcessRecord } from '../lab/process.js';

/** Where Debian's `prometheus` package installs the server (scripts/system-packages.txt installs it). */
export const DEBIAN_PROMETHEUS_BIN = '/usr/bin/prometheus';

export interface PrometheusOptions {
  /** Holds prometheus.yml, data/, prometheus.log and prometheus.pid; created when missing. */
  dir: string;
  /** Folder of file_sd target files (see scrape-targets.ts). Default `<dir>/targets`. */
  targetsDir?: string;
  /** Scrape and discovery-refresh interval. Default 1 s. */
  scrapeIntervalSeconds?: number;
  /** Default /usr/bin/prometheus. */
  bin?: string;
  /** Port on 127.0.0.1; default 0 (any free port, chosen by the kernel at bind, so nothing can take it first). */
  port?: number;
  /** How long Prometheus may take to answer /-/ready. Default 60 s. */
  startTimeoutMs?: number;
}

/** A running Prometheus. */
export interface RunningPrometheus {
  /** e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly targetsDir: string;
  readonly record: ProcessRecord;
  readonly log: string;
  /** Stops its process group (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
}

/** The configuration: one job that scrapes whatever the targets folder lists, every `intervalSeconds`. */
export function prometheusConfig(targetsDir: string, intervalSeconds = 1): string {
  const every = `${intervalSeconds}s`;
  return stringify({
    global: { scrape_interval: every, scrape_timeout: every, evaluation_interval: every },
    scrape_configs: [
      {
        job_name: 'meshferry-lab-traffic',
        // file_sd watches the folder with inotify; refresh_interval is the fallback re-read.
        file_sd_configs: [{ files: [path.join(targetsDir, '*.json')], refresh_interval: every }],
      },
    ],
  });
}

// Prometheus is started on port 0 so no other process can take its port between a probe and its bind. The
// exporter-toolkit under its web server logs the address it really bound ("Listening on" address=...), which
// Debian's 2.42 does (prometheus/exporter-toolkit web/tls_config.go).
const LISTENING = /msg="Listening on" address=(127\.0\.0\.1:\d+)/;

async function boundAddress(log: string): Promise<string | undefined> {
  try {
    return LISTENING.exec(await readFile(log, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

async function isReady(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Starts Prometheus on 127.0.0.1 and waits until it answers /-/ready. */
export async function startPrometheus(opts: PrometheusOptions): Promise<RunningPrometheus> {
  const bin = opts.bin ?? DEBIAN_PROMETHEUS_BIN;
  try {
    await access(bin, constants.X_OK);
  } catch {
    throw new LabError(`Prometheus is not installed at ${bin}; install Debian's "prometheus" package (bash scripts/install-system-deps.sh)`);
  }
  const interval = opts.scrapeIntervalSeconds ?? 1;
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new LabError(`the Prometheus port must be a whole number from 0 to 65535, not ${port}`);
  if (!Number.isInteger(interval) || interval < 1) throw new LabError(`the scrape interval must be a whole number of seconds ≥ 1, not ${interval}`);
  const dir = path.resolve(opts.dir);
  const targetsDir = path.resolve(opts.targetsDir ?? path.join(dir, 'targets'));
  await mkdir(path.join(dir, 'data'), { recursive: true });
  await mkdir(targetsDir, { recursive: true });
  const configFile = path.join(dir, 'prometheus.yml');
  await writeFile(configFile, prometheusConfig(targetsDir, interval));
  const log = path.join(dir, 'prometheus.log');
  await writeFile(log, '');

  const started = startProcess({
    cluster: '',
    component: 'prometheus',
    bin,
    // Every flag here is in `prometheus --help` of Debian's 2.42.0+ds. The console flags point into our own
    // folder so nothing depends on /etc/prometheus.
    args: [
      `--config.file=${configFile}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      '--storage.tsdb.retention.time=1d',
      `--web.console.templates=${path.join(dir, 'consoles')}`,
      `--web.console.libraries=${path.join(dir, 'console_libraries')}`,
      '--log.level=info',
    ],
    cwd: dir,
    log,
    pidFile: path.join(dir, 'prometheus.pid'),
  });
  const stop = async (): Promise<void> => {
    await stopProcesses([started.record]);
  };
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void started.exited.then((e) => (exited = e));

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  let url: string | undefined;
  while (Date.now() < deadline) {
    if (exited) throw new LabError(`Prometheus exited (${exited.signal ?? `code ${exited.code}`}) while starting; its log ${log} ends:\n${logTail(log)}`);
    if (url === undefined) {
      const address = await boundAddress(log);
      if (address) url = `http://${address}`;
    }
    if (url !== undefined && (await isReady(url))) return { url, targetsDir, record: started.record, log, stop };
    await sleep(100);
  }
  await stop();
  throw new LabError(`Prometheus did not become ready within ${opts.startTimeoutMs ?? 60_000} ms; its log ${log} ends:\n${logTail(log)}`);
}
