import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeStaleTrafficTargets } from './lab-traffic.js';

const root = mkdtempSync(path.join(tmpdir(), 'lab-traffic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('removeStaleTrafficTargets', () => {
  it('removes the files of processes that are gone, keeps live ones and anything that is not a lab traffic target', async () => {
    const dir = mkdtempSync(path.join(root, 't-'));
    // 4194399 is above Linux's largest pid (pid_max ≤ 4194304), so no process has it.
    for (const f of [`traffic-${process.pid}-1.json`, 'traffic-4194399-2.json', 'other.json', 'traffic-4194399-2.json.tmp']) writeFileSync(path.join(dir, f), '[]\n');
    expect(await removeStaleTrafficTargets(dir)).toEqual(['traffic-4194399-2.json']);
    // Both sides sorted: where this process's file sorts depends on its pid.
    expect(readdirSync(dir).sort()).toEqual(['other.json', `traffic-${process.pid}-1.json`, 'traffic-4194399-2.json.tmp'].sort());
  });

  it('a folder that does not exist yet has nothing to clean', async () => {
    expect(await removeStaleTrafficTargets(path.join(root, 'missing'))).toEqual([]);
  });
});
