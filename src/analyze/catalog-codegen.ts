// Turns messages.yaml (the message catalog) into messages.gen.ts: the catalog table plus one typed constructor per message.
import { parse } from 'yaml';
import { isPlainObject } from '../resources/object.js';
import type { ArgType, Level } from './message.js';

export interface CatalogEntry {
  code: string;
  name: string;
  level: Level;
  description: string;
  template: string;
  args: { name: string; type: ArgType }[];
}

export interface Catalog {
  messages: CatalogEntry[];
  retired: { code: string; name: string }[];
}

const ARG_TYPES: Record<ArgType, string> = { string: 'string', number: 'number', strings: 'readonly string[]' };

/** Parses and checks the catalog; every problem is collected so one run shows them all. */
export function parseCatalog(text: string): Catalog {
  const doc: unknown = parse(text);
  const problems: string[] = [];
  if (!isPlainObject(doc) || !Array.isArray(doc.messages)) throw new Error('messages.yaml: expected a `messages:` list');
  const retired = Array.isArray(doc.retired) ? (doc.retired as { code: string; name: string }[]) : [];
  const messages: CatalogEntry[] = [];
  const codes = new Set<string>(retired.map((r) => r.code));
  const names = new Set<string>(retired.map((r) => r.name));
  for (const [i, raw] of (doc.messages as unknown[]).entries()) {
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
    const args = Array.isArray(raw.args) ? (raw.args as { name: string; type: ArgType }[]) : [];
    for (const a of args) if (!(a.type in ARG_TYPES)) problems.push(`${where}: arg ${a.name} has unknown type ${String(a.type)}`);
    const placeholders = new Set([...String(template).matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
    for (const p of placeholders) if (!args.some((a) => a.name === p)) problems.push(`${where}: template uses {${p}} but args do not declare it`);
    for (const a of args) if (!placeholders.has(a.name)) problems.push(`${where}: arg ${a.name} is not used in the template`);
    codes.add(String(code));
    names.add(String(name));
    messages.push({ code: String(code), name: String(name), level: level as Level, description: String(description), template: String(template), args });
  }
  if (problems.length) throw new Error(`messages.yaml has ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  return { messages, retired };
}

/** The TypeScript source of messages.gen.ts. */
export function renderCatalogModule(catalog: Catalog): string {
  const q = (s: string) => JSON.stringify(s);
  const lines: string[] = [
    '// Code generated from messages.yaml by catalog-codegen.ts; DO NOT EDIT.',
    '// Regenerate: UPDATE_GOLDEN=1 npx vitest run --project unit src/analyze/catalog-codegen.test.ts',
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
