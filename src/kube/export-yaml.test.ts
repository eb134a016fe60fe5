import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { seedMesh } from '../../test/lab/export-import-fixtures.js';
import { expandPaths, parseResources } from '../resources/yaml-read.js';
import { serializeObject } from '../resources/yaml-write.js';
import { emitObjectYaml } from './export-yaml.js';
import { randomObject } from '../../test/support/kube/random-objects.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('emitObjectYaml writes exactly what serializeObject writes', () => {
  it.each([
    { name: 'seeded mesh config (every Istio kind)', objects: () => seedMesh({ namespaces: 7, objects: 300 }) },
    { name: '2,000 random documents with tricky strings', objects: () => Array.from({ length: 2000 }, (_, i) => randomObject(i + 1)) },
  ])('$name', ({ objects }) => {
    let compared = 0;
    for (const obj of objects()) {
      expect(emitObjectYaml(obj), `object ${obj.metadata.name}`).toBe(serializeObject(obj));
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('for every object in the repository fixtures and examples', async () => {
    const files = await expandPaths([path.join(repo, 'src/resources/fixtures'), path.join(repo, 'examples'), path.join(repo, 'test/fixtures')]);
    let compared = 0;
    for (const file of files) {
      const { resources } = parseResources(readFileSync(file, 'utf8'), file, { allowUnknownKinds: true });
      for (const r of resources) {
        expect(emitObjectYaml(r.object), `${file}:${r.source?.line}`).toBe(serializeObject(r.object));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(20);
  });
});
