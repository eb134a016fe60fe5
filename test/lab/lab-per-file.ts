// One lab per test file: started before the file's tests, stopped after them, and kept with its logs when a test failed.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { openCluster, type Cluster } from '../../src/kube/cluster.js';
import { killLabNow, startLab, type Lab, type StartLabOptions } from '../../src/lab/index.js';

export interface LabPerFile {
  /** A temporary folder for the file: the lab sits in `<parent>/lab`; tests may put their own things beside it. */
  readonly parent: string;
  readonly dir: string;
}

/**
 * Registers the hooks that start one lab for the calling test file and stop it at the end; `ready` receives the
 * lab and a connection to its first cluster. A failed test keeps the folder (its logs) and says nothing else.
 * `opts` goes to startLab as given, so `revisions` may be one list for every cluster or a per-cluster map
 * (`{ tcm: ['1-18-5'], primary: ['1-31-1'] }`).
 */
export function labPerFile(prefix: string, opts: Omit<StartLabOptions, 'dir' | 'log'>, ready: (lab: Lab, cluster: Cluster) => void): LabPerFile {
  const parent = mkdtempSync(path.join(os.tmpdir(), prefix));
  const dir = path.join(parent, 'lab');
  const killOnExit = () => killLabNow(dir);
  process.on('exit', killOnExit);
  let lab: Lab | undefined;
  let cluster: Cluster | undefined;
  let failed = false;
  beforeAll(async () => {
    lab = await startLab({ ...opts, dir, log: (m) => process.stderr.write(`${m}\n`) });
    cluster = await openCluster({ kubeconfig: lab.kubeconfigPath, context: lab.clusters[0]!.name });
    ready(lab, cluster);
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });
  afterAll(async () => {
    cluster?.close();
    await lab?.stop({ purge: !failed });
    if (!failed) rmSync(parent, { recursive: true, force: true });
    process.off('exit', killOnExit);
  });
  return { parent, dir };
}
