// The lab kubeconfig: one context per cluster named after it, written 0600 because it holds tokens.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { renderKubeconfig, writeKubeconfig } from './kubeconfig.js';

const clusters = [
  { name: 'east', server: 'https://127.0.0.1:40001', token: 'tok-east' },
  { name: 'west', server: 'https://127.0.0.1:40002', token: 'tok-west' },
];

describe('renderKubeconfig', () => {
  const cfg = parse(renderKubeconfig(clusters, 'PEM')) as {
    contexts: { name: string; context: { cluster: string; user: string } }[];
    clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { name: string; user: { token: string } }[];
    'current-context': string;
  };

  it('names each context after its cluster and makes the first current', () => {
    expect(cfg.contexts).toEqual([
      { name: 'east', context: { cluster: 'east', user: 'east-admin' } },
      { name: 'west', context: { cluster: 'west', user: 'west-admin' } },
    ]);
    expect(cfg['current-context']).toBe('east');
  });

  it('pins the lab CA and keeps each token with its own cluster', () => {
    expect(cfg.clusters.map((c) => c.cluster.server)).toEqual(['https://127.0.0.1:40001', 'https://127.0.0.1:40002']);
    expect(cfg.clusters.every((c) => c.cluster['certificate-authority-data'] === Buffer.from('PEM').toString('base64'))).toBe(true);
    expect(cfg.users).toEqual([
      { name: 'east-admin', user: { token: 'tok-east' } },
      { name: 'west-admin', user: { token: 'tok-west' } },
    ]);
  });
});

describe('writeKubeconfig', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubeconfig-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes mode 0600', async () => {
    const file = path.join(dir, 'kubeconfig');
    await writeKubeconfig(file, clusters, 'PEM');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
