// The test setup itself: unit tests build dist/ and never the lab; npm test still runs everything.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import config from '../../vitest.config.js';
import { REPO_ROOT } from '../support/cli.js';

interface ProjectConfig {
  test: { name: string; globalSetup?: string[]; include?: string[] };
}

const projects = (config as { test: { projects: ProjectConfig[] } }).test.projects;
const project = (name: string) => projects.find((p) => p.test.name === name)!.test;
const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

describe('test setup', () => {
  it('the unit project builds dist/ first and has nothing to do with the lab', () => {
    expect(project('unit').globalSetup).toEqual(['test/support/build-dist.ts']);
    expect(project('unit').include!.some((g) => g.includes('lab'))).toBe(false);
    expect(pkg.scripts['test:unit']).toBe('vitest run --project unit');
  });

  it('the lab project builds dist/ too, then the lab binaries', () => {
    expect(project('lab').globalSetup).toEqual(['test/support/build-dist.ts', 'test/lab/global-setup.ts']);
  });

  it('npm test runs every project and ends with the plain tests line', () => {
    expect(pkg.scripts.test).toBe('bash scripts/test.sh');
    const script = readFileSync(path.join(REPO_ROOT, 'scripts/test.sh'), 'utf8');
    expect(script).toMatch(/^npx vitest run --reporter=default --reporter=json .*"\$@"/m);
    expect(script).not.toMatch(/--project/);
    expect(script).toContain('tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped');
  });
});
