// Turns src/analyze/messages.yaml (the analyzer's message catalog) into src/analyze/messages.gen.ts: the catalog
// table plus one typed constructor per message. A build-time tool, so it lives outside src/ and never ships in dist/.
//
// Usage: node scripts/gen-analyze-messages.mjs   (src/analyze/catalog-codegen.test.ts fails while the output is stale)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const isPlainObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

const ARG_TYPES = { string: 'string', number: 'number', strings: 'readonly string[]' };

/** Parses and checks the catalog; every problem is collected so one run shows them all. */
export function parseCatalog(text) {
  const doc = parse(text);
  const problems = [];
  if (!isPlainObject(doc) || !Array.isArray(doc.messages)) throw new Error('messages.yaml: expected a `messages:` list');
  const retired = Array.isArray(doc.retired) ? doc.retired : [];
  const messages = [];
  const codes = new Set(retired.map((r) => r.code));
  const names = new Set(retired.map((r) => r.name));
  for (const [i, raw] of doc.messages.entries()) {
    if (!isPlainObject(raw)) {
      problems.push(`messages[${i}] is not a mapping`);
      continue;
    }
    const where = `messages[${i}] (${String(raw.name)})`;
    const { code, name, level, description, template } = raw;
    if (typeof code !== 'string' || !/^MF\d{4}$/.test(code)) problems.push(`${where}: code must look like MF0001`);
    else if (codes.has(code)) problems.push(`${where}: code ${code} is used twice or was retired`);
    if (typeof name !== 'string' || !/^[A-Z][A-Za-z0-9]+$/.test(name)) problems.push(`${where}: name must be UpperCamelCase`);
    else if (names.has(name)) problems.push(`${where}: name ${name} is used twice or was retired`);
    if (level !== 'Error' && level !== 'Warning' && level !== 'Info') problems.push(`${where}: level must be Error, Warning or Info`);
    if (typeof description !== 'string' || description === '') problems.push(`${where}: description is required`);
    if (typeof template !== 'string' || template === '') problems.push(`${where}: template is required`);
    const args = Array.isArray(raw.args) ? raw.args : [];
    for (const a of args) if (!(a.type in ARG_TYPES)) problems.push(`${where}: arg ${a.name} has unknown type ${String(a.type)}`);
    const placeholders = new Set([...String(template).matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
    for (const p of placeholders) if (!args.some((a) => a.name === p)) problems.push(`${where}: template uses {${p}} but args do not declare it`);
    for (const a of args) if (!placeholders.has(a.name)) problems.push(`${where}: arg ${a.name} is not used in the template`);
    codes.add(String(code));
    names.add(String(name));
    messages.push({ code: String(code), name: String(name), level, description: String(description), template: String(template), args });
  }
  if (problems.length) throw new Error(`messages.yaml has ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  return { messages, retired };
}

/** The TypeScript source of messages.gen.ts. */
export function renderCatalogModule(catalog) {
  const q = (s) => JSON.stringify(s);
  const lines = [
    '// Code generated from messages.yaml by scripts/gen-analyze-messages.mjs; DO NOT EDIT.',
    '// Regenerate: node scripts/gen-analyze-messages.mjs (src/analyze/catalog-codegen.test.ts checks it is current)',
    "import { makeMessage, type Message, type MessageType } from './message.js';",
    '',
    '/** Every message type, by name. */',
    'export const CATALOG = {',
  ];
  for (const m of catalog.messages) {
    const args = m.args.map((a) => `{ name: ${q(a.name)}, type: ${q(a.type)} }`).join(', ');
    lines.push(
      `  ${m.name}: {`,
      `    code: ${q(m.code)},`,
      `    name: ${q(m.name)},`,
      `    level: ${q(m.level)},`,
      `    description: ${q(m.description)},`,
      `    template: ${q(m.template)},`,
      `    args: [${args}],`,
      '  },',
    );
  }
  lines.push('} as const satisfies Record<string, MessageType>;', '', 'export type MessageName = keyof typeof CATALOG;', '');
  lines.push('/** Codes retired from the catalog; never reused. */');
  lines.push(`export const RETIRED_CODES: readonly string[] = [${catalog.retired.map((r) => q(r.code)).join(', ')}];`, '');
  lines.push('/** Typed constructors, one per message type. */', 'export const msg = {');
  for (const m of catalog.messages) {
    const params = m.args.map((a) => `${a.name}: ${ARG_TYPES[a.type]}`).join(', ');
    const obj = m.args.length ? `{ ${m.args.map((a) => a.name).join(', ')} }` : '{}';
    lines.push(`  /** ${m.code} (${m.level}): ${m.description.replace(/\*\//g, '* /')} */`);
    lines.push(`  ${m.name}: (${params}): Message => makeMessage(CATALOG.${m.name}, ${obj}),`);
  }
  lines.push('};', '');
  return lines.join('\n');
}

export const CATALOG_YAML = new URL('../src/analyze/messages.yaml', import.meta.url);
export const CATALOG_MODULE = new URL('../src/analyze/messages.gen.ts', import.meta.url);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(CATALOG_MODULE, renderCatalogModule(parseCatalog(readFileSync(CATALOG_YAML, 'utf8'))));
  process.stderr.write(`wrote ${fileURLToPath(CATALOG_MODULE)}\n`);
}
