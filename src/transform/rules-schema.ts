// Validates a TransformRules document against the JSON Schema shipped in schemas/ (through the shared meshferry-file loader).
import { schemaProblems, schemaUrl, type FileProblem } from '../resources/meshferry-file.js';

/** The schema file, shipped in the package beside dist/ (and beside src/ in a checkout). */
export const TRANSFORM_RULES_SCHEMA_URL = schemaUrl('TransformRules');

/** One schema problem: where in the document (`path` to the node to point at) and what is wrong. */
export type SchemaProblem = FileProblem;

/** Checks `doc` against the TransformRules schema; returns problems in words people can act on. */
export function checkTransformRulesSchema(doc: unknown): SchemaProblem[] {
  return schemaProblems('TransformRules', doc);
}
