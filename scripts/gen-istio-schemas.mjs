#!/usr/bin/env node
// Regenerates data/istio-schemas/<version>.json (the CRD schemas `meshferry analyze --target-version` checks
// against) from crd-all.gen.yaml of an Istio release. Needs Go only here, never at install time.
//
// Usage: node scripts/gen-istio-schemas.mjs [VERSION...] [--crd-file FILE --version VERSION]
//   VERSION          Istio release (default: 1.31.1 1.26.0 1.24.0); fetched with `go mod download -json
//                    istio.io/istio@VERSION`; for the lab's pinned release the lab cache's copy is used when Go
//                    cannot fetch it.
//   --crd-file FILE  use this crd-all.gen.yaml instead (with --version naming its release)
//
// What is kept: per kind, per served version, the `spec` schema with types, enums, required, bounds, patterns,
// oneOf/anyOf/not, x-kubernetes-* markers and CEL rules (x-kubernetes-validations). Descriptions are dropped
// (they are 90% of the file) except that a description saying "Deprecated" becomes `x-meshferry-deprecated`.
// Identical schemas of one kind's versions are stored once.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(repo, 'data', 'istio-schemas');
const CRD_PATH = 'manifests/charts/base/files/crd-all.gen.yaml';
const DEFAULT_VERSIONS = ['1.31.1', '1.26.0', '1.24.0'];

/**
 * Fields istio.io/api marks `[deprecated = true]` in its protos, which the CRD generator hides
 * ($hide_from_docs) so the CRD carries no marker. Checked in istio.io/api v1.31.1:
 * networking/v1alpha3/{virtual_service,destination_rule,sidecar}.proto. (Sidecar and Gateway
 * port.targetPort are deprecated too, but the webhook rejects them outright, so the analyzer reports an error instead.) A rule applies to every object node
 * of the kind's schema whose properties include all of `siblings` (that is how one proto message is found
 * wherever it is embedded: a DestinationRule's trafficPolicy appears at four depths).
 */
const PROTO_DEPRECATIONS = [
  { kind: 'VirtualService', siblings: ['mirrorPercent', 'mirrorPercentage'], fields: ['mirrorPercent', 'mirror_percent'], note: 'use mirrorPercentage (a double) instead' },
  { kind: 'VirtualService', siblings: ['percent', 'percentage', 'fixedDelay'], fields: ['percent'], note: 'use percentage (a double) instead' },
  { kind: 'VirtualService', siblings: ['allowOrigin', 'allowOrigins'], fields: ['allowOrigin'], note: 'use allowOrigins (string matches) instead' },
  { kind: 'DestinationRule', siblings: ['consecutiveErrors', 'consecutive5xxErrors'], fields: ['consecutiveErrors'], note: 'use consecutive5xxErrors instead' },
  { kind: 'DestinationRule', siblings: ['minimumRingSize', 'ringHash'], fields: ['minimumRingSize'], note: 'use ringHash.minimumRingSize instead' },
  { kind: 'DestinationRule', siblings: ['simple', 'consistentHash'], enumValues: { simple: { LEAST_CONN: 'use LEAST_REQUEST instead' } } },
  { kind: 'Sidecar', siblings: ['mode', 'egressProxy'], fields: ['egressProxy'], note: 'it is ignored' },
];

/** Schema keywords kept; anything else (description, example, default...) is dropped. */
const KEEP = new Set([
  'type', 'format', 'enum', 'required', 'properties', 'additionalProperties', 'items', 'minimum', 'maximum',
  'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties',
  'maxProperties', 'pattern', 'oneOf', 'anyOf', 'allOf', 'not', 'nullable', 'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-validations', 'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'uniqueItems',
]);

function parseArgs(argv) {
  const versions = [];
  let crdFile;
  let version;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--crd-file') crdFile = argv[++i];
    else if (a === '--version') version = argv[++i];
    else if (a === '-h' || a === '--help') {
      process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 12).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
      process.exit(0);
    } else if (/^\d+\.\d+\.\d+$/.test(a)) versions.push(a);
    else fail(`unknown argument ${a} (see --help)`);
  }
  if (crdFile && !version) fail('--crd-file needs --version X.Y.Z');
  return crdFile ? [{ version, crdFile }] : (versions.length ? versions : DEFAULT_VERSIONS).map((v) => ({ version: v }));
}

function fail(msg) {
  process.stderr.write(`gen-istio-schemas: ${msg}\n`);
  process.exit(2);
}

/** crd-all.gen.yaml of a release: the Istio module through the Go module proxy, else the lab cache. */
function locateCrdFile(version) {
  let goError = '';
  try {
    const out = execFileSync('go', ['mod', 'download', '-json', `istio.io/istio@${version}`], {
      cwd: os.tmpdir(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const info = JSON.parse(out);
    if (info.Dir && existsSync(path.join(info.Dir, CRD_PATH))) return { file: path.join(info.Dir, CRD_PATH), from: `istio.io/istio@${version} (${info.Version}) ${CRD_PATH}` };
    goError = info.Error ?? 'no Dir in go mod download output';
  } catch (err) {
    goError = err.stdout ? (JSON.parse(err.stdout).Error ?? String(err)) : String(err.message ?? err);
  }
  const labRoot = path.join(process.env.MESHFERRY_CACHE ?? path.join(os.homedir(), '.cache', 'meshferry'), 'lab');
  if (existsSync(labRoot)) {
    for (const d of readdirSync(labRoot)) {
      const f = path.join(labRoot, d, 'istio', 'crd-all.gen.yaml');
      if (d.endsWith(`_istio-${version}`) && existsSync(f)) return { file: f, from: `lab cache ${d}/istio/crd-all.gen.yaml` };
    }
  }
  fail(`cannot get Istio ${version}: ${goError.trim()}`);
}

function slim(schema, deprecatedNote) {
  if (Array.isArray(schema)) return schema.map((s) => slim(s));
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (!KEEP.has(k)) continue;
    if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, slim(s, deprecationOf(s))]));
    else if (k === 'x-kubernetes-validations') out[k] = v.map((r) => ({ rule: r.rule, ...(r.message ? { message: r.message } : {}) }));
    else if (typeof v === 'object') out[k] = slim(v);
    else out[k] = v;
  }
  if (deprecatedNote) out['x-meshferry-deprecated'] = deprecatedNote;
  return out;
}

/** "Deprecated: use `warmup` instead." / "Deprecated." in a CRD description is the release's own marker. */
function deprecationOf(s) {
  const d = s && typeof s.description === 'string' ? s.description : '';
  const m = /(?:^|\.\s+)Deprecated(?:[.:]\s*(.*))?$/s.exec(d.trim());
  if (!m) return undefined;
  return (m[1] ?? '').replace(/\s+/g, ' ').replace(/`/g, '').trim() || 'deprecated';
}

function applyProtoDeprecations(kind, schema, counts) {
  const visit = (node) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    const props = node.properties;
    if (props) {
      for (const [i, rule] of PROTO_DEPRECATIONS.entries()) {
        if (rule.kind !== kind || !rule.siblings.every((s) => s in props)) continue;
        for (const f of rule.fields ?? []) {
          if (!props[f]) continue;
          // The release's own marker (from the CRD description) wins over ours, unless it is a bare "Deprecated.".
          const own = props[f]['x-meshferry-deprecated'];
          if (!own || own === 'deprecated') props[f]['x-meshferry-deprecated'] = rule.note;
          counts[i] = (counts[i] ?? 0) + 1;
        }
        for (const [f, values] of Object.entries(rule.enumValues ?? {})) {
          if (props[f]?.enum) {
            props[f]['x-meshferry-deprecated-values'] = values;
            counts[i] = (counts[i] ?? 0) + 1;
          }
        }
      }
    }
    for (const v of Object.values(node)) visit(v);
  };
  visit(schema);
}

function generate({ version, crdFile }) {
  const src = crdFile ? { file: crdFile, from: crdFile } : locateCrdFile(version);
  const docs = parseAllDocuments(readFileSync(src.file, 'utf8')).map((d) => d.toJS());
  const kinds = {};
  const schemas = [];
  const schemaIds = new Map();
  const counts = {};
  for (const crd of docs) {
    if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
    const { group, names } = crd.spec;
    const versions = {};
    let storage;
    for (const v of crd.spec.versions) {
      if (!v.served) continue;
      if (v.storage) storage = v.name;
      const spec = v.schema?.openAPIV3Schema?.properties?.spec;
      const slimmed = spec ? slim(spec) : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      applyProtoDeprecations(names.kind, slimmed, counts);
      const key = JSON.stringify(slimmed);
      let id = schemaIds.get(key);
      if (id === undefined) {
        id = schemas.length;
        schemas.push(slimmed);
        schemaIds.set(key, id);
      }
      versions[v.name] = { schema: id, ...(v.deprecated ? { deprecated: v.deprecationWarning ?? true } : {}) };
    }
    kinds[`${group}/${names.kind}`] = { plural: names.plural, storage, versions };
  }
  if (Object.keys(kinds).length === 0) fail(`${src.file} holds no CustomResourceDefinitions`);
  for (const [i, rule] of PROTO_DEPRECATIONS.entries())
    if (!counts[i]) process.stderr.write(`  note: ${version}: proto deprecation ${rule.kind} ${JSON.stringify(rule.fields ?? rule.enumValues)} matched nothing\n`);
  const data = {
    istioVersion: version,
    generatedFrom: src.from,
    generator: 'scripts/gen-istio-schemas.mjs',
    kinds: Object.fromEntries(Object.entries(kinds).sort(([a], [b]) => (a < b ? -1 : 1))),
    schemas,
  };
  mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, `${version}.json`);
  writeFileSync(`${out}.tmp`, JSON.stringify(data) + '\n');
  renameSync(`${out}.tmp`, out);
  const size = Buffer.byteLength(JSON.stringify(data));
  process.stderr.write(`wrote ${path.relative(repo, out)}: ${Object.keys(kinds).length} kinds, ${schemas.length} schemas, ${(size / 1024).toFixed(0)} KiB (from ${src.from})\n`);
}

for (const job of parseArgs(process.argv.slice(2))) generate(job);
