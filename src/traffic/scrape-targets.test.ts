// Target files for file-based discovery: atomic, inside their folder, loopback only.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeScrapeTarget, writeScrapeTarget } from './scrape-targets.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'meshferry-scrape-targets-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scrape target files', () => {
  it('writes the file_sd shape, replaces it in place, leaves no temp file, and removes it', async () => {
    const file = await writeScrapeTarget(dir, 'shop-cart', { address: '127.0.0.1:4000', labels: { meshferry_dataplane: 'shop-cart' } });
    expect(file).toBe(path.join(dir, 'shop-cart.json'));
    await writeScrapeTarget(dir, 'shop-cart', { address: '127.0.0.1:4001' });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual([{ targets: ['127.0.0.1:4001'], labels: {} }]);
    expect(await readdir(dir)).toEqual(['shop-cart.json']);
    await removeScrapeTarget(dir, 'shop-cart');
    await removeScrapeTarget(dir, 'shop-cart');
    expect(await readdir(dir)).toEqual([]);
  });

  it.each([
    ['an id that leaves the folder', '../x', { address: '127.0.0.1:1' }, /not a usable scrape target id/],
    ['a non-loopback address', 'a', { address: '10.0.0.1:9090' }, /not a loopback host:port/],
    ['a hostname', 'a', { address: 'localhost:9090' }, /not a loopback host:port/],
    ['a reserved label name', 'a', { address: '127.0.0.1:1', labels: { __address__: 'x' } }, /not a usable Prometheus label name/],
  ])('refuses %s', async (_why, id, target, want) => {
    await expect(writeScrapeTarget(dir, id, target)).rejects.toThrow(want);
    expect(await readdir(dir).catch(() => [])).toEqual([]);
  });
});
