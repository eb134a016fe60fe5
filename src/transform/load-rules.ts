// Reads a TransformRules file: YAML with positions, schema validation, rule checks; every problem names file:line.
import { readFile } from 'node:fs/promises';
import { LineCounter, isScalar, parseAllDocuments, type Document } from 'yaml';
import { KUBE_YAML } from '../resources/yaml-options.js';
import { findOffset } from '../resources/yaml-read.js';
import { InputError, InputErrors, isErrnoException, type SourcePosition } from '../errors.js';
import type { PathSegment } from '../resources/resource-set.js';
import { compileRules, rulesFileError, type Locate } from './compile-rules.js';
import { checkTransformRulesSchema } from './rules-schema.js';
import type { TransformRules } from './types.js';

/** Aliases allowed in a rules file before we call it an alias bomb. */
const MAX_ALIASES = 100;

/** A validated rules file and a way back from document paths to its lines. */
export interface LoadedRules {
  rules: TransformRules;
  file: string;
  locate: Locate;
}

/** Reads and validates a rules file; problems throw InputError/InputErrors (exit 2) naming file:line. */
export async function loadTransformRules(file: string): Promise<LoadedRules> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isErrnoException(err) && err.code === 'ENOENT') throw new InputError(`rules file ${file}: no such file`, { code: 'FileNotFound', cause: err });
    if (isErrnoException(err) && err.code === 'EISDIR') throw new InputError(`rules file ${file} is a folder; name one TransformRules file`, { code: 'FileUnreadable', cause: err });
    throw new InputError(`rules file ${file} cannot be read (${err instanceof Error ? err.message : String(err)})`, { code: 'FileUnreadable', cause: err });
  }
  return parseTransformRules(text, file);
}

/** Parses and validates rules text (tests call this directly). */
export function parseTransformRules(text: string, file: string): LoadedRules {
  if (text.includes('\0')) throw new InputError('this is binary data, not a YAML rules file', { position: { file }, code: 'BinaryInput' });
  const lineCounter = new LineCounter();
  const at = (offset: number | undefined): SourcePosition => {
    if (offset === undefined) return { file };
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const docs = parseAllDocuments(text, { ...KUBE_YAML, lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const list = (Array.isArray(docs) ? docs : []) as Document.Parsed[];
  const syntax = list.flatMap((d) => d.errors.slice(0, 5).map((e) => ({ message: `invalid YAML: ${e.message.split('\n')[0] ?? e.message}`, position: at(e.pos[0]) })));
  if (syntax.length > 0) throw new InputErrors(`${file}: the rules file is not valid YAML:`, syntax, 'InvalidRules');
  const nonEmpty = list.filter((d) => d.contents !== null && !(isScalar(d.contents) && d.contents.value === null));
  if (nonEmpty.length === 0) throw new InputError('the rules file is empty; it needs one TransformRules document (see meshferry transform --help)', { position: { file }, code: 'InvalidRules' });
  if (nonEmpty.length > 1) throw new InputError('the rules file holds more than one YAML document; put all rules in one TransformRules document', { position: at(nonEmpty[1]!.contents?.range?.[0]), code: 'InvalidRules' });
  const doc = nonEmpty[0]!;
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new InputError(/alias/i.test(msg) ? `the rules file expands too many YAML aliases (more than ${MAX_ALIASES})` : `the rules file cannot be read: ${msg}`, {
      position: at(doc.contents?.range?.[0]),
      code: 'InvalidRules',
    });
  }
  const locate: Locate = (path) => at(findOffset(doc.contents, path));
  const problems = checkTransformRulesSchema(value);
  if (problems.length > 0) throw rulesFileError(problems, locate, file);
  const rules = value as TransformRules;
  compileRules(rules, locate, file); // rule checks (kinds, selectors, …) fail here, before any input is read
  return { rules, file, locate };
}
