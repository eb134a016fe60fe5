// Which client a journal entry resolves to: home without a context, a named context only when the migration uses it.
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../errors.js';
import type { JournalEntry } from '../journal/journal.js';
import type { ObjectClient } from '../kube/object-client.js';
import { MemoryApiServer } from '../../test/support/kube/memory-apiserver.js';
import { describeEntry, isForeignContext, MigrationClusters } from './clusters.js';

const servers: MemoryApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function twoClusters(allowed: string[]) {
  const home = await MemoryApiServer.start();
  const remote = await MemoryApiServer.start();
  servers.push(home.server, remote.server);
  const opened: string[] = [];
  const set = {
    client: (context: string | undefined): Promise<ObjectClient> => {
      opened.push(String(context));
      return Promise.resolve(remote.client);
    },
  };
  return { home: home.client, remote: remote.client, opened, clusters: new MigrationClusters(home.client, { set, allowed }) };
}

describe('MigrationClusters', () => {
  it('resolves no context, and the home context by name, to the home client without opening anything', async () => {
    const { home, opened, clusters } = await twoClusters(['remote']);
    expect(clusters.homeContext).toBe('fake');
    expect(await clusters.clientFor(undefined, 'x')).toBe(home);
    expect(await clusters.clientFor('fake', 'x')).toBe(home);
    expect(opened).toEqual([]);
  });

  it('opens an allowed context through the cluster set', async () => {
    const { remote, opened, clusters } = await twoClusters(['remote']);
    expect(await clusters.clientOf({ apiVersion: 'v1', kind: 'Namespace', name: 'shop', context: 'remote' })).toBe(remote);
    expect(opened).toEqual(['remote']);
  });

  it.each<[string, string[], string | undefined]>([
    ['a context the spec does not name', ['remote'], 'prod-admin'],
    ['any other context when the migration is home only (InPlace)', [], 'remote'],
  ])('refuses %s, naming the entry and the context (exit 1)', async (_why, allowed, context) => {
    const { opened, clusters } = await twoClusters(allowed);
    const entry: JournalEntry = { seq: 12, step: 'xc.copy', target: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web', ...(context ? { context } : {}) }, intent: {}, state: 'pending', at: '' };
    const err = await clusters.clientFor(context, describeEntry(entry)).catch((e: unknown) => e);
    expect(isForeignContext(err)).toBe(true);
    expect((err as { exitCode: number }).exitCode).toBe(ExitCode.findings);
    expect((err as Error).message).toContain(`journal entry 12 (xc.copy Deployment shop/web in context "${context}") names context "${context}", which this migration does not use`);
    expect(opened).toEqual([]);
  });

  it('home only without a cluster set refuses even a context listed as allowed: nothing could open it', async () => {
    const { home } = await twoClusters([]);
    const clusters = new MigrationClusters(home, { allowed: ['remote'] });
    expect(clusters.refusal('remote', 'entry')).toMatch(/does not use/);
  });

  it('keeps terminal control characters of a journal-held context out of the message', async () => {
    const { clusters } = await twoClusters([]);
    expect(clusters.refusal('evil\u001b[2Jctx', 'entry')).not.toContain('\u001b');
  });
});
