// Reads a TransformRules file through the shared meshferry-file loader, then checks its rules; every problem names file:line.
import { loadMeshferryFile, parseMeshferryFile, type MeshferryFile } from '../resources/meshferry-file.js';
import { compileRules, type Locate } from './compile-rules.js';
import type { TransformRules } from './types.js';

/** A validated rules file and a way back from document paths to its lines. */
export interface LoadedRules {
  rules: TransformRules;
  file: string;
  locate: Locate;
}

function checked(f: MeshferryFile<TransformRules>): LoadedRules {
  compileRules(f.value, f.locate, f.file); // rule checks (kinds, selectors, …) fail here, before any input is read
  return { rules: f.value, file: f.file, locate: f.locate };
}

/** Reads and validates a rules file; problems throw InputError/InputErrors (exit 2) naming file:line. */
export async function loadTransformRules(file: string): Promise<LoadedRules> {
  return checked(await loadMeshferryFile<TransformRules>(file, 'TransformRules'));
}

/** Parses and validates rules text (tests call this directly). */
export function parseTransformRules(text: string, file: string): LoadedRules {
  return checked(parseMeshferryFile<TransformRules>(text, file, 'TransformRules'));
}
