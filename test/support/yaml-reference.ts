// The reference YAML reader (test/tools/yamlref, sigs.k8s.io/yaml as kubectl uses it): built once with Go, then run.
import { spawnSync } from 'node:child_process';
import { goToolBinary } from './go-tool.js';

/**
 * What the reference reader made of one input: the documents it could read, as JSON values (empty ones left
 * out), and, when some could not be read, the first error (kubectl would refuse the whole input) and one entry
 * per unreadable document (1-based among all documents, empty ones included).
 */
export interface ReferenceRead {
  docs: unknown[];
  error?: string;
  docErrors?: { doc: number; error: string }[];
}

/**
 * The path of the reference reader's binary (test/tools/yamlref), built on first use (see goToolBinary). Without Go
 * this throws: tests that judge YAML semantics must not pass by skipping.
 */
export function yamlReferenceBinary(): string {
  return goToolBinary('yamlref', 'yamlref');
}

/** Reads files with the reference reader, as kubectl would read them; one result per file. */
export function referenceReadFiles(files: readonly string[]): Map<string, ReferenceRead> {
  const out = new Map<string, ReferenceRead>();
  // Keep command lines well under the kernel's limit.
  for (let i = 0; i < files.length; i += 200) {
    const batch = files.slice(i, i + 200);
    const parsed = runReference(batch);
    for (const f of batch) {
      const r = parsed[f];
      if (!r) throw new Error(`the reference YAML reader returned nothing for ${f}`);
      out.set(f, r);
    }
  }
  return out;
}

/** Reads one YAML stream given as text with the reference reader. */
export function referenceReadText(text: string): ReferenceRead {
  const r = runReference(['-'], text)['-'];
  if (!r) throw new Error('the reference YAML reader returned nothing for stdin');
  return r;
}

function runReference(args: readonly string[], input = ''): Record<string, ReferenceRead> {
  const res = spawnSync(yamlReferenceBinary(), args, { input, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  if (res.error || res.status !== 0) throw new Error(`the reference YAML reader failed: ${res.error?.message ?? res.stderr}`);
  return JSON.parse(res.stdout) as Record<string, ReferenceRead>;
}
