// Real-world corpus: Istio's own samples, analyzer test data and manifests through neat, transform and analyze.
//
// The inputs are read at test time from the istio.io/istio module the lab build puts in the Go module cache
// (never copied into the repo). Meaning is judged by the reference reader (test/tools/yamlref: kubectl's YAML
// semantics), never by meshferry's own reader: for every Istio or Gateway API object, the reference reading of
// neat's output must equal the reference reading of the input minus exactly the fields listed in ALLOWED_DROPS,
// a list written here independently of neat's rules.
//
// Running the CLI once per file and command would take many minutes on two cores, so files go in batches: a
// batch holds files whose objects do not collide, and any batch that is refused (exit 2) or fails is run again
// file by file, so every refusal and every crash is pinned to one file.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, hasStackTrace, type CliResult } from '../support/cli.js';
import { referenceReadFiles, referenceReadText, type ReferenceRead } from '../support/yaml-reference.js';

// ---------------------------------------------------------------------------------------------------------------
// What neat may drop. Written from Kubernetes' and kubectl's rules, not from neat's code: server-written
// metadata that means nothing on another cluster, status, kubectl's apply record, and empty label/annotation maps.

/** metadata fields the API server writes; none of them is something a user asks for. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'managedFields'];
/** ownerReferences name uids of the source cluster: on another cluster they dangle (garbage collection would delete the object). */
const SOURCE_CLUSTER_METADATA = ['ownerReferences'];
/** Annotations written by tools rather than users (kubectl's client-side apply record). */
const TOOL_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];
/** Istio and Gateway API kinds without a namespace: a namespace on them means nothing (the server ignores it). */
const CLUSTER_SCOPED = new Set(['gateway.networking.k8s.io/GatewayClass']);

type Json = Record<string, unknown>;

/** The input object as neat is allowed to leave it. */
function allowedDrops(obj: Json): Json {
  const out = structuredClone(obj);
  delete out.status;
  const md = isMap(out.metadata) ? out.metadata : undefined;
  if (!md) return out;
  for (const f of [...SERVER_METADATA, ...SOURCE_CLUSTER_METADATA]) delete md[f];
  if (CLUSTER_SCOPED.has(groupKind(out))) delete md.namespace;
  if (isMap(md.annotations)) for (const a of TOOL_ANNOTATIONS) delete md.annotations[a];
  for (const f of ['labels', 'annotations']) if (md[f] === null || (isMap(md[f]) && Object.keys(md[f]).length === 0)) delete md[f];
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The corpus.

function istioModuleDir(): string {
  const gomod = readFileSync(path.join(REPO_ROOT, 'lab/go/istio/go.mod'), 'utf8');
  const version = /^\s*istio\.io\/istio\s+(v\S+)/m.exec(gomod)?.[1];
  if (!version) throw new Error('lab/go/istio/go.mod does not pin istio.io/istio');
  const res = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`cannot run \`go env GOMODCACHE\` (the lab needs Go): ${res.error?.message ?? res.stderr}`);
  return path.join(res.stdout.trim(), `istio.io/istio@${version}`);
}

function walk(dir: string, keep: (file: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(full, keep));
    else if (e.isFile() && keep(full)) out.push(full);
  }
  return out;
}

const isYaml = (f: string) => /\.ya?ml$/.test(f);

interface CorpusFile {
  file: string;
  /** The path inside the Istio module, for messages. */
  rel: string;
  ref: ReferenceRead;
  /** Objects as kubectl reads them, Lists unwrapped. */
  objects: Json[];
  /** Why meshferry may refuse the file (judged from the reference reading), or undefined when it must accept it. */
  refusable?: string;
}

function groupKind(o: Json): string {
  const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  const slash = apiVersion.lastIndexOf('/');
  return `${slash < 0 ? '' : apiVersion.slice(0, slash)}/${String(o.kind)}`;
}

function isMeshObject(o: Json): boolean {
  const group = groupKind(o).split('/')[0] ?? '';
  return group.endsWith('.istio.io') || group === 'gateway.networking.k8s.io' || group === 'gateway.networking.x-k8s.io';
}

/** Identity as a cluster sees it: group, kind, namespace, name (not the version). */
function identity(o: Json): string {
  const md = (isMap(o.metadata) ? o.metadata : {}) as Json;
  const ns = CLUSTER_SCOPED.has(groupKind(o)) ? '' : String(md.namespace ?? '');
  return `${groupKind(o)} ${ns}/${String(md.name)}`;
}

function isMap(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** kubectl's view: a document is an object when it has apiVersion, kind and a name, with string labels and annotations. */
function objectProblem(o: unknown): string | undefined {
  if (!isMap(o)) return 'a document is not a mapping';
  if (typeof o.apiVersion !== 'string' || o.apiVersion === '') return 'an object has no apiVersion';
  if (typeof o.kind !== 'string' || o.kind === '') return 'an object has no kind';
  const md = o.metadata;
  if (!isMap(md) || typeof md.name !== 'string' || md.name === '') return `a ${o.kind} has no metadata.name`;
  for (const f of ['labels', 'annotations'])
    if (md[f] !== undefined && md[f] !== null && (!isMap(md[f]) || Object.values(md[f]).some((v) => typeof v !== 'string')))
      return `a ${o.kind} has ${f} that are not strings`;
  return undefined;
}

function loadCorpus(): CorpusFile[] {
  const root = istioModuleDir();
  const files = [
    ...walk(path.join(root, 'samples'), isYaml),
    ...walk(path.join(root, 'pkg/config/analysis/analyzers/testdata'), () => true),
    // Helm templates are Go templates, not YAML; everything else under manifests/ is read as it is.
    ...walk(path.join(root, 'manifests'), (f) => isYaml(f) && !f.split(path.sep).includes('templates')),
  ];
  const reads = referenceReadFiles(files);
  return files.map((file) => {
    const ref = reads.get(file)!;
    const rel = path.relative(root, file);
    const objects: Json[] = [];
    let refusable: string | undefined = ref.error ? `kubectl cannot read it (${ref.error})` : undefined;
    if (!refusable && ref.docs.length === 0) refusable = 'it holds no documents';
    for (const doc of ref.docs) {
      const items = isMap(doc) && typeof doc.kind === 'string' && doc.kind.endsWith('List') && Array.isArray(doc.items) ? (doc.items as unknown[]) : [doc];
      for (const item of items) {
        const problem = objectProblem(item);
        if (problem) refusable ??= problem;
        else objects.push(item as Json);
      }
    }
    const seen = new Set<string>();
    for (const o of objects) {
      if (seen.has(identity(o))) refusable ??= `${identity(o)} is defined twice`;
      seen.add(identity(o));
    }
    return { file, rel, ref, objects, ...(refusable ? { refusable } : {}) };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Running the CLI.

function runCliAsync(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : -1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/**
 * Files grouped so that no two objects in a group share an identity (so neat may read them together). Files
 * kubectl cannot read as objects go in groups of their own: the reader reports the problems of every file it
 * was given, so one refusal that names each file stands for a refusal of each.
 */
function batches(files: readonly CorpusFile[], refused: (f: CorpusFile) => boolean, size = 40): CorpusFile[][] {
  const out: { files: CorpusFile[]; ids: Set<string> }[] = [];
  for (const f of files) {
    const ids = f.objects.map(identity);
    const fit = out.find(
      (b) => b.files.length < size && b.files[0] !== undefined && refused(b.files[0]) === refused(f) && (refused(f) || ids.every((id) => !b.ids.has(id))),
    );
    if (fit) {
      fit.files.push(f);
      for (const id of ids) fit.ids.add(id);
    } else out.push({ files: [f], ids: new Set(ids) });
  }
  return out.map((b) => b.files);
}

interface Run {
  files: CorpusFile[];
  result: CliResult;
}

/**
 * Runs `command` on every batch; batches that exit with anything but `okCodes` are run again file by file,
 * unless every file in the batch was expected to be refused (`refused`) and the refusal names each of them.
 * Returns the runs that decide each file's outcome.
 */
async function runAll(
  files: readonly CorpusFile[],
  args: (paths: string[]) => string[],
  okCodes: readonly number[],
  refused: (f: CorpusFile) => boolean,
): Promise<Run[]> {
  const limit = Math.max(1, os.availableParallelism());
  const first = await mapLimited(batches(files, refused), limit, async (b) => ({ files: b, result: await runCliAsync(args(b.map((f) => f.file))) }));
  const out: Run[] = [];
  const again: CorpusFile[] = [];
  for (const r of first) {
    const clean = !hasStackTrace(r.result.stderr);
    const refusedEach = r.files.every(refused) && r.result.code === 2 && r.files.every((f) => r.result.stderr.includes(f.file));
    if (r.files.length === 1 || (clean && (okCodes.includes(r.result.code) || refusedEach))) out.push(r);
    else again.push(...r.files);
  }
  out.push(...(await mapLimited(again, limit, async (f) => ({ files: [f], result: await runCliAsync(args([f.file])) }))));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Comparing meaning.

/** Paths where two JSON values differ, `a.b[2].c: want → got`. */
function differences(want: unknown, got: unknown, at = ''): string[] {
  if (Array.isArray(want) && Array.isArray(got)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(want.length, got.length); i++) out.push(...differences(want[i], got[i], `${at}[${i}]`));
    return out;
  }
  if (isMap(want) && isMap(got)) {
    const out: string[] = [];
    for (const k of new Set([...Object.keys(want), ...Object.keys(got)])) out.push(...differences(want[k], got[k], at ? `${at}.${k}` : k));
    return out;
  }
  if (JSON.stringify(want) === JSON.stringify(got)) return [];
  const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v).slice(0, 80));
  return [`${at || '(root)'}: ${show(want)} → ${show(got)}`];
}

// ---------------------------------------------------------------------------------------------------------------

const RULES = `apiVersion: meshferry.dev/v1alpha1
kind: TransformRules
metadata:
  name: corpus
rules:
- setRevision: {to: 1-31-1}
- mapNamespace: {from: default, to: shop}
- mapHost: {fromSuffix: .global, toSuffix: .svc.cluster.local}
`;

describe('real-world corpus (Istio samples, analyzer test data, manifests)', () => {
  let corpus: CorpusFile[] = [];
  let neatRuns: Run[] = [];
  const summary: Record<string, unknown> = {};

  beforeAll(async () => {
    corpus = loadCorpus();
    neatRuns = await runAll(corpus, (paths) => ['neat', ...paths], [0], (f) => f.refusable !== undefined);
  });

  afterAll(() => {
    process.stderr.write(`real-world corpus summary: ${JSON.stringify(summary, null, 2)}\n`);
  });

  it('is the corpus it claims to be (read from the Istio module, hundreds of files)', () => {
    const meshObjects = corpus.flatMap((f) => f.objects.filter(isMeshObject));
    summary.files = corpus.length;
    summary.filesKubectlReads = corpus.filter((f) => !f.ref.error).length;
    summary.objects = corpus.reduce((n, f) => n + f.objects.length, 0);
    summary.meshObjects = meshObjects.length;
    summary.meshKinds = Object.fromEntries(
      [...meshObjects.reduce((m, o) => m.set(groupKind(o), (m.get(groupKind(o)) ?? 0) + 1), new Map<string, number>())].sort((a, b) => b[1] - a[1]),
    );
    expect(corpus.length).toBeGreaterThan(250);
    expect(meshObjects.length).toBeGreaterThan(250);
  });

  it('neat: no stack trace, and an exit code of 0, 1 or 2, on every file', () => {
    const bad = neatRuns.filter((r) => hasStackTrace(r.result.stderr) || ![0, 1, 2].includes(r.result.code));
    expect(bad.map((r) => `${r.files.map((f) => f.rel).join(', ')}: exit ${r.result.code}\n${r.result.stderr.slice(0, 600)}`)).toEqual([]);
  });

  it('neat accepts every file kubectl reads as objects (and may refuse only the others)', () => {
    const refused = neatRuns.filter((r) => r.result.code !== 0).flatMap((r) => r.files.map((f) => ({ f, r })));
    summary.neatRefused = refused.length;
    summary.neatRefusedAsExpected = refused.filter(({ f }) => f.refusable).length;
    const wrong = refused.filter(({ f }) => !f.refusable);
    expect(wrong.map(({ f, r }) => `${f.rel}: exit ${r.result.code}: ${r.result.stderr.split('\n').slice(0, 3).join(' | ').slice(0, 400)}`)).toEqual([]);
  });

  it('every Istio and Gateway API object comes out of neat with the same meaning, judged by kubectl’s reader', () => {
    const problems: string[] = [];
    let compared = 0;
    for (const run of neatRuns) {
      if (run.result.code !== 0) continue;
      const out = referenceReadText(run.result.stdout);
      if (out.error) {
        problems.push(`${run.files.map((f) => f.rel).join(', ')}: kubectl cannot read neat's output: ${out.error}`);
        continue;
      }
      const byId = new Map<string, Json>();
      for (const d of out.docs) if (isMap(d)) byId.set(identity(d), d);
      for (const f of run.files)
        for (const o of f.objects.filter(isMeshObject)) {
          compared++;
          const got = byId.get(identity(allowedDrops(o)));
          if (!got) {
            problems.push(`${f.rel}: ${identity(o)} is missing from neat's output`);
            continue;
          }
          const diff = differences(allowedDrops(o), got);
          if (diff.length) problems.push(`${f.rel}: ${identity(o)}:\n    ${diff.slice(0, 10).join('\n    ')}`);
        }
    }
    summary.meshObjectsCompared = compared;
    summary.meaningChanged = problems.length;
    expect(problems).toEqual([]);
    expect(compared).toBeGreaterThan(0);
  });

  it('transform (a simple rules file) and analyze: no stack trace, and an exit code of 0, 1 or 2, on every file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'meshferry-corpus-'));
    const rules = path.join(dir, 'rules.yaml');
    writeFileSync(rules, RULES);
    // Files neat refused are read by the same reader: expect transform and analyze to refuse them too.
    const neatRefused = new Set(neatRuns.filter((r) => r.result.code !== 0).flatMap((r) => r.files));
    const refused = (f: CorpusFile) => f.refusable !== undefined || neatRefused.has(f);
    const transformRuns = await runAll(corpus, (paths) => ['transform', '--rules', rules, ...paths], [0], refused);
    const analyzeRuns = await runAll(corpus, (paths) => ['analyze', ...paths], [0, 1], refused);
    const bad: string[] = [];
    for (const [name, runs] of [['transform', transformRuns], ['analyze', analyzeRuns]] as const) {
      const codes: Record<string, number> = {};
      for (const r of runs) {
        for (const _ of r.files) codes[r.result.code] = (codes[r.result.code] ?? 0) + 1;
        if (hasStackTrace(r.result.stderr) || ![0, 1, 2].includes(r.result.code))
          bad.push(`${name} ${r.files.map((f) => f.rel).join(', ')}: exit ${r.result.code}\n${r.result.stderr.slice(0, 600)}`);
      }
      summary[`${name}ExitCodesPerFile`] = codes;
      summary[`${name}Runs`] = runs.length;
    }
    summary.neatExitCodesPerFile = neatRuns.reduce<Record<string, number>>((m, r) => ({ ...m, [r.result.code]: (m[r.result.code] ?? 0) + r.files.length }), {});
    summary.neatRuns = neatRuns.length;
    expect(bad).toEqual([]);
  });
});
