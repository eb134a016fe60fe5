// The `yaml` library, loaded on first use: most runs never need it (the fast readers and the writer cover plain YAML).
import { createRequire } from 'node:module';

type YamlLibrary = typeof import('yaml');

const require = createRequire(import.meta.url);
let library: YamlLibrary | undefined;

/**
 * The `yaml` library (about seventy modules, a tenth of a second to load), loaded when a precise parse, a
 * position the indentation locator cannot give, or an unusual value to write first needs it. It is the same
 * module instance an `import` would give (the package's Node entry is CommonJS), so its classes compare alike.
 */
export function yamlLibrary(): YamlLibrary {
  return (library ??= require('yaml') as YamlLibrary);
}
