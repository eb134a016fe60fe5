// Reads a MeshTopology file through the shared meshferry-file loader, then the checks a schema cannot make.
import { loadMeshferryFile, parseMeshferryFile, schemaUrl, type MeshferryFile } from '../resources/meshferry-file.js';
import type { PathSegment } from '../resources/resource-set.js';
import type { SourcePosition } from '../errors.js';
import { checkTopology } from './topology-check.js';
import { TOPOLOGY_KIND, type MeshTopology } from './topology.js';

/** The JSON Schema shipped in the package (schemas/), found from src/ and dist/ alike. */
export const TOPOLOGY_SCHEMA_URL = schemaUrl(TOPOLOGY_KIND);

/** A validated topology and a way back from a field path to its place in the file. */
export interface LoadedTopology {
  topology: MeshTopology;
  file: string;
  locate: (path: readonly PathSegment[]) => SourcePosition;
}

function loaded(f: MeshferryFile<MeshTopology>): LoadedTopology {
  return { topology: f.value, file: f.file, locate: f.locate };
}

/** Reads and validates a topology file (or `-` for stdin). Bad input throws InputError(s) naming file:line and field. */
export async function loadTopology(file: string, opts: { stdin?: () => Promise<string> } = {}): Promise<LoadedTopology> {
  return loaded(await loadMeshferryFile<MeshTopology>(file, TOPOLOGY_KIND, { ...opts, check: checkTopology }));
}

/** Parses and validates topology text; for tests and library callers that hold the text already. */
export function parseTopology(text: string, file: string): LoadedTopology {
  return loaded(parseMeshferryFile<MeshTopology>(text, file, TOPOLOGY_KIND, { check: checkTopology }));
}
