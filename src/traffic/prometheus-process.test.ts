// The generated Prometheus configuration and the start-up failures that need no running Prometheus.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { LabError } from '../errors.js';
import { prometheusConfig, startPrometheus } from './prometheus-process.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'meshferry-prometheus-process-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('prometheusConfig', () => {
  it('scrapes every target file of the folder at the interval, discovery refreshing as often', () => {
    expect(parse(prometheusConfig('/lab/targets', 1))).toEqual({
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      scrape_configs: [{ job_name: 'meshferry-lab-traffic', file_sd_configs: [{ files: ['/lab/targets/*.json'], refresh_interval: '1s' }] }],
    });
  });
});

describe('startPrometheus', () => {
  it('says how to install Prometheus when the binary is missing (exit 3, not a stack trace)', async () => {
    const err = await startPrometheus({ dir, bin: path.join(dir, 'no-such-prometheus') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).exitCode).toBe(3);
    expect((err as LabError).message).toMatch(/install Debian's "prometheus" package \(bash scripts\/install-system-deps\.sh\)/);
  });

  it('reports a Prometheus that exits while starting, with its log', async () => {
    // /bin/false stands in for a binary that dies at once (a bad flag, a port it cannot bind).
    const err = await startPrometheus({ dir, bin: '/bin/false' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).message).toMatch(/^Prometheus exited \(code 1\) while starting; its log .*prometheus\.log ends:/);
  });
});
