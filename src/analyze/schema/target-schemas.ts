// The shipped CRD schemas of each supported Istio release (data/istio-schemas/<version>.json) and how to pick one.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../errors.js';
import { isPlainObject } from '../../resources/object.js';

/** The lab's pinned Istio release (lab/versions.env); a unit test keeps the two equal. */
export const DEFAULT_TARGET_VERSION = '1.31.1';

/** The subset of OpenAPI v3 (plus Kubernetes and meshferry markers) that the generator keeps. */
export interface JsonSchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  pattern?: string;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  not?: JsonSchema;
  nullable?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
  'x-meshferry-deprecated'?: string;
  'x-meshferry-deprecated-values'?: Record<string, string>;
}

interface SchemaFile {
  istioVersion: string;
  generatedFrom: string;
  kinds: Record<string, { plural: string; storage?: string; versions: Record<string, { schema: number; deprecated?: unknown }> }>;
  schemas: JsonSchema[];
}

export type SchemaLookup =
  | { status: 'ok'; schema: JsonSchema; versionDeprecated: string | undefined }
  | { status: 'unknown-kind' }
  | { status: 'unserved-version'; served: string[] };

/** One release's schemas. */
export class TargetSchemas {
  readonly version: string;
  readonly generatedFrom: string;
  #data: SchemaFile;

  constructor(data: SchemaFile) {
    this.#data = data;
    this.version = data.istioVersion;
    this.generatedFrom = data.generatedFrom;
  }

  /** True when the release defines the kind at all (any version). */
  hasKind(group: string, kind: string): boolean {
    return `${group}/${kind}` in this.#data.kinds;
  }

  /** The spec schema of `group/kind` at API `version`. */
  lookup(group: string, kind: string, version: string): SchemaLookup {
    const k = this.#data.kinds[`${group}/${kind}`];
    if (!k) return { status: 'unknown-kind' };
    const v = k.versions[version];
    if (!v) return { status: 'unserved-version', served: Object.keys(k.versions) };
    const schema = this.#data.schemas[v.schema];
    if (!schema) return { status: 'unknown-kind' };
    const dep = v.deprecated === undefined ? undefined : typeof v.deprecated === 'string' ? v.deprecated : `${group}/${version} ${kind} is deprecated`;
    return { status: 'ok', schema, versionDeprecated: dep };
  }
}

const dataDir = fileURLToPath(new URL('../../../data/istio-schemas/', import.meta.url));
const cache = new Map<string, TargetSchemas>();

/** Releases with shipped schemas, newest first. */
export function shippedVersions(): string[] {
  let files: string[];
  try {
    files = readdirSync(dataDir);
  } catch {
    return [];
  }
  return files
    .map((f) => /^(\d+\.\d+\.\d+)\.json$/.exec(f)?.[1])
    .filter((v): v is string => v !== undefined)
    .sort((a, b) => compareVersions(b, a));
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/**
 * The schemas for `version` (X.Y.Z). A release without shipped schemas uses the shipped one of the same minor
 * release (patch releases do not change CRDs) and says so through `substitutedFor`; anything else is a usage error.
 */
export function loadTargetSchemas(version: string): { schemas: TargetSchemas; substitutedFor?: string } {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new UsageError(`--target-version must look like 1.31.1, got "${version}"`);
  const shipped = shippedVersions();
  let pick = shipped.find((v) => v === version);
  const minor = version.split('.').slice(0, 2).join('.');
  pick ??= shipped.find((v) => v.startsWith(`${minor}.`));
  if (!pick)
    throw new UsageError(
      `no CRD schemas are shipped for Istio ${version} (shipped: ${shipped.join(', ') || 'none'}); ` +
        'regenerate them with `node scripts/gen-istio-schemas.mjs <version>` or pick a shipped release',
    );
  let schemas = cache.get(pick);
  if (!schemas) {
    const data: unknown = JSON.parse(readFileSync(`${dataDir}${pick}.json`, 'utf8'));
    if (!isPlainObject(data) || typeof data.istioVersion !== 'string' || !isPlainObject(data.kinds) || !Array.isArray(data.schemas))
      throw new UsageError(`data/istio-schemas/${pick}.json is not a schema file written by scripts/gen-istio-schemas.mjs`);
    schemas = new TargetSchemas(data as unknown as SchemaFile);
    cache.set(pick, schemas);
  }
  return pick === version ? { schemas } : { schemas, substitutedFor: version };
}
