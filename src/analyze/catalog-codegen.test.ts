// messages.gen.ts must be what scripts/gen-analyze-messages.mjs makes of messages.yaml; UPDATE_GOLDEN=1 (or running the script) rewrites it.
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseCatalog, renderCatalogModule } from '../../scripts/gen-analyze-messages.mjs';
import { CATALOG } from './messages.gen.js';

const yamlFile = new URL('./messages.yaml', import.meta.url);
const genFile = new URL('./messages.gen.ts', import.meta.url);

describe('message catalog', () => {
  it('messages.gen.ts is up to date with messages.yaml', async () => {
    const want = renderCatalogModule(parseCatalog(await readFile(yamlFile, 'utf8')));
    if (process.env.UPDATE_GOLDEN) await writeFile(genFile, want);
    const got = await readFile(genFile, 'utf8');
    expect(got, 'run node scripts/gen-analyze-messages.mjs').toBe(want);
  });

  it('codes are sequential, so a gap means a retired code that must be listed', async () => {
    const catalog = parseCatalog(await readFile(yamlFile, 'utf8'));
    const all = [...catalog.messages.map((m) => m.code), ...catalog.retired.map((r) => r.code)].sort();
    all.forEach((code, i) => expect(code).toBe(`MF${String(i + 1).padStart(4, '0')}`));
    expect(Object.keys(CATALOG)).toEqual(catalog.messages.map((m) => m.name));
  });

  it.each([
    ['a duplicate code', 'messages:\n  - {code: MF0001, name: A, level: Error, description: d, template: t, args: []}\n  - {code: MF0001, name: B, level: Error, description: d, template: t, args: []}\n', /code MF0001 is used twice/],
    ['an undeclared placeholder', 'messages:\n  - {code: MF0001, name: A, level: Error, description: d, template: "{x}", args: []}\n', /uses \{x\}/],
    ['an unused arg', 'messages:\n  - {code: MF0001, name: A, level: Error, description: d, template: t, args: [{name: x, type: string}]}\n', /arg x is not used/],
    ['a bad level', 'messages:\n  - {code: MF0001, name: A, level: Fatal, description: d, template: t, args: []}\n', /level must be/],
    ['a reused retired code', 'messages:\n  - {code: MF0001, name: A, level: Error, description: d, template: t, args: []}\nretired: [{code: MF0001, name: Old}]\n', /retired/],
  ])('rejects %s', (_what, text, want) => {
    expect(() => parseCatalog(text)).toThrow(want);
  });
});
