// Kubeconfig loading (--kubeconfig, KUBECONFIG, ~/.kube/config; --context) into what a request needs: URL, TLS, auth.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { RequestOptions } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError, UsageError, isErrnoException } from '../errors.js';
import { isPlainObject } from '../resources/object.js';
import { ExecCredentialPlugin, parseExecConfig } from './exec-credential.js';
import { PROXY_SCHEMES, proxyForUrl } from './proxy.js';
import { redactUrl } from './redact-url.js';

export interface KubeconfigOptions {
  /** An explicit kubeconfig file (`--kubeconfig`); wins over KUBECONFIG and ~/.kube/config. */
  kubeconfig?: string;
  /** The context to use (`--context`); the kubeconfig's current-context when absent. */
  context?: string;
  /** Environment to read KUBECONFIG and HOME from (tests pass their own). */
  env?: NodeJS.ProcessEnv;
  /** Where security warnings go (TLS verification off, credentials over plain http); default stderr. */
  warn?: (message: string) => void;
}

/** TLS material for the API server connection. Buffers, never logged. */
export interface TlsSettings {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
}

/** Everything needed to talk to one context's API server. */
export interface ClusterConnection {
  contextName: string;
  /** The API server URL without a trailing slash. */
  server: string;
  /** The context's default namespace (`default` when unset). */
  namespace: string;
  tls: TlsSettings;
  /** Authentication headers; re-read on every call where credentials can rotate (token files, exec plugins). */
  authHeaders(): Promise<AuthHeaders>;
  /** The proxy to reach the server through: the kubeconfig's proxy-url, else HTTPS_PROXY/HTTP_PROXY/NO_PROXY. */
  proxy?: URL;
  /** The kubeconfig files that were read, in precedence order. */
  files: readonly string[];
  /** How credentials are obtained: `direct` (read here, exec plugins run here) or `client-node` (legacy auth-provider). */
  authVia: 'direct' | 'client-node';
}

/** One context as listed for humans (`--context` errors, `meshferry ... --help`). */
export interface ContextSummary {
  name: string;
  cluster: string;
  user: string;
  namespace?: string;
}

type Json = Record<string, unknown>;

/** Request headers carrying credentials; a list value becomes one header line per element (Impersonate-Group). */
export type AuthHeaders = Record<string, string | string[]>;

/** A named kubeconfig entry plus the folder its relative paths are resolved against. */
interface Entry {
  name: string;
  body: Json;
  dir: string;
  file: string;
}

interface MergedConfig {
  files: string[];
  clusters: Map<string, Entry>;
  users: Map<string, Entry>;
  contexts: Map<string, Entry>;
  currentContext: string | undefined;
}

/** The kubeconfig files in precedence order: --kubeconfig, else every KUBECONFIG entry, else ~/.kube/config. */
export function kubeconfigFiles(opts: KubeconfigOptions = {}): string[] {
  if (opts.kubeconfig) return [opts.kubeconfig];
  const env = opts.env ?? process.env;
  const list = env.KUBECONFIG?.split(path.delimiter).filter(Boolean) ?? [];
  if (list.length > 0) return list;
  const home = env.HOME || os.homedir();
  return [path.join(home, '.kube', 'config')];
}

/** Why a kubeconfig file could not be read, in words (never a raw errno message such as EISDIR's). */
function unreadableWhy(err: unknown): string {
  const code = isErrnoException(err) ? err.code : undefined;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a folder, not a file; name the kubeconfig file itself (for example ~/.kube/config)';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied (check the file mode and owner)';
  if (code === 'ENOTDIR') return 'a part of the path is not a folder';
  return err instanceof Error ? err.message : String(err);
}

/**
 * Reads and merges the kubeconfig files the way kubectl does: for every cluster, user and context name the
 * first file that defines it wins, and so does the first current-context. A KUBECONFIG entry that does not
 * exist is skipped (kubectl does the same); an explicit --kubeconfig that does not exist is an error.
 */
async function readMerged(opts: KubeconfigOptions): Promise<MergedConfig> {
  const files = kubeconfigFiles(opts);
  const merged: MergedConfig = { files: [], clusters: new Map(), users: new Map(), contexts: new Map(), currentContext: undefined };
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (isErrnoException(err) && err.code === 'ENOENT' && !opts.kubeconfig) continue;
      throw new InputError(`cannot read kubeconfig ${file}: ${unreadableWhy(err)}`, { code: 'KubeconfigUnreadable', cause: err });
    }
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (err) {
      throw new InputError(`kubeconfig ${file} is not valid YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, {
        code: 'KubeconfigInvalid',
        position: { file },
      });
    }
    if (doc === null || doc === undefined) {
      merged.files.push(file);
      continue;
    }
    if (!isPlainObject(doc)) throw new InputError(`kubeconfig ${file} is not a mapping`, { code: 'KubeconfigInvalid', position: { file } });
    merged.files.push(file);
    const dir = path.dirname(path.resolve(file));
    for (const [list, field, target] of [
      ['clusters', 'cluster', merged.clusters],
      ['users', 'user', merged.users],
      ['contexts', 'context', merged.contexts],
    ] as const) {
      const items = doc[list];
      if (items === undefined || items === null) continue;
      if (!Array.isArray(items)) throw new InputError(`${list} must be a list`, { code: 'KubeconfigInvalid', position: { file }, fieldPath: list });
      items.forEach((item, i) => {
        if (!isPlainObject(item) || typeof item.name !== 'string' || item.name === '')
          throw new InputError(`${list}[${i}] has no name`, { code: 'KubeconfigInvalid', position: { file }, fieldPath: `${list}[${i}].name` });
        const body = item[field] ?? {};
        if (!isPlainObject(body))
          throw new InputError(`${list}[${i}].${field} must be a mapping`, { code: 'KubeconfigInvalid', position: { file }, fieldPath: `${list}[${i}].${field}` });
        if (!target.has(item.name)) target.set(item.name, { name: item.name, body, dir, file });
      });
    }
    const current = doc['current-context'];
    if (merged.currentContext === undefined && typeof current === 'string' && current !== '') merged.currentContext = current;
  }
  if (merged.files.length === 0)
    throw new UsageError(
      `no kubeconfig found (looked at ${files.join(', ')}); pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config (\`meshferry lab up\` prints one)`,
    );
  return merged;
}

/** Every context in the merged kubeconfig, sorted by name. */
export async function listContexts(opts: KubeconfigOptions = {}): Promise<ContextSummary[]> {
  const merged = await readMerged(opts);
  return contextSummaries(merged);
}

function contextSummaries(merged: MergedConfig): ContextSummary[] {
  return [...merged.contexts.values()]
    .map((c) => ({
      name: c.name,
      cluster: str(c.body.cluster) ?? '',
      user: str(c.body.user) ?? '',
      ...(str(c.body.namespace) ? { namespace: str(c.body.namespace) as string } : {}),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Resolves one context to a connection. An unknown context is a usage error (exit 2) listing the contexts
 * that exist; a context pointing at a missing cluster or user is an input error naming the file.
 */
export async function loadConnection(opts: KubeconfigOptions = {}): Promise<ClusterConnection> {
  const merged = await readMerged(opts);
  const known = contextSummaries(merged).map((c) => c.name);
  const knownText = known.length ? `known contexts: ${known.join(', ')}` : 'the kubeconfig defines no contexts';
  const name = opts.context ?? merged.currentContext;
  if (!name) throw new UsageError(`no --context given and the kubeconfig (${merged.files.join(', ')}) has no current-context; ${knownText}`);
  const ctx = merged.contexts.get(name);
  if (!ctx) throw new UsageError(`context "${name}" not found in ${merged.files.join(', ')}; ${knownText}`);
  const clusterName = str(ctx.body.cluster);
  const userName = str(ctx.body.user);
  const cluster = clusterName ? merged.clusters.get(clusterName) : undefined;
  if (!cluster)
    throw new InputError(`context "${name}" refers to cluster "${clusterName ?? ''}", which the kubeconfig does not define`, {
      code: 'KubeconfigInvalid',
      position: { file: ctx.file },
    });
  const user = userName ? merged.users.get(userName) : undefined;
  if (userName && !user)
    throw new InputError(`context "${name}" refers to user "${userName}", which the kubeconfig does not define`, {
      code: 'KubeconfigInvalid',
      position: { file: ctx.file },
    });
  const server = str(cluster.body.server);
  if (!server) throw new InputError(`cluster "${cluster.name}" has no server URL`, { code: 'KubeconfigInvalid', position: { file: cluster.file } });
  if (!/^https?:\/\//.test(server))
    throw new InputError(`cluster "${cluster.name}" has server "${redactUrl(server)}", which is not an http(s) URL`, { code: 'KubeconfigInvalid', position: { file: cluster.file } });
  checkTlsSettings(cluster);
  const base = {
    contextName: name,
    server: server.replace(/\/+$/, ''),
    namespace: str(ctx.body.namespace) ?? 'default',
    files: merged.files,
  };
  const proxy = proxyOf(cluster, opts.env ?? process.env, base.server);
  warnAboutTransport(name, base.server, cluster.body, user?.body ?? {}, opts.warn ?? ((m) => process.stderr.write(`warning: ${m}\n`)));
  const conn: ClusterConnection =
    user?.body['auth-provider'] !== undefined
      ? await viaClientNode(base, cluster, user, ctx)
      : { ...base, ...(await directCredentials(cluster, user)), authVia: 'direct' };
  if (proxy) conn.proxy = proxy;
  return conn;
}

/**
 * client-go refuses a CA together with insecure-skip-tls-verify (k8s.io/client-go transport/transport.go,
 * TLSConfigFor): the CA would be silently ignored, and the user believes the connection is verified.
 */
function checkTlsSettings(cluster: Entry): void {
  const b = cluster.body;
  if (b['insecure-skip-tls-verify'] === true && (str(b['certificate-authority']) || str(b['certificate-authority-data'])))
    throw new InputError(
      `cluster "${cluster.name}": specifying a root certificates file with the insecure flag is not allowed (remove insecure-skip-tls-verify, or the certificate-authority)`,
      { code: 'KubeconfigInvalid', position: { file: cluster.file } },
    );
}

/** Says on stderr when the connection can be read or changed by anyone on the path. */
function warnAboutTransport(context: string, server: string, cluster: Json, user: Json, warn: (m: string) => void): void {
  const shown = redactUrl(server);
  if (server.startsWith('https:') && cluster['insecure-skip-tls-verify'] === true)
    warn(`TLS verification is off for context "${context}" (insecure-skip-tls-verify): anyone on the path to ${shown} can read and change this connection`);
  const userinfo = /^https?:\/\/[^/@]*@/.test(server);
  const hasCredentials = ['token', 'tokenFile', 'token-file', 'username', 'password', 'exec', 'auth-provider'].some((k) => user[k] !== undefined && user[k] !== '');
  if (server.startsWith('http:') && (hasCredentials || userinfo))
    warn(`the credentials of context "${context}" go over plain ${shown}: anyone on the path can read them`);
}

/** The kubeconfig's proxy-url (http, https or socks5, as client-go accepts), else the environment's proxy for the server. */
function proxyOf(cluster: Entry, env: NodeJS.ProcessEnv, server: string): URL | undefined {
  const raw = str(cluster.body['proxy-url']);
  if (raw === undefined) return proxyForUrl(new URL(server), env);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(`cluster "${cluster.name}" has proxy-url "${redactUrl(raw)}", which is not a URL`, { code: 'KubeconfigInvalid', position: { file: cluster.file } });
  }
  if (!(PROXY_SCHEMES as readonly string[]).includes(url.protocol) || url.hostname === '')
    throw new InputError(`cluster "${cluster.name}" has proxy-url "${redactUrl(raw)}"; supported proxies are http://, https:// and socks5://`, {
      code: 'KubeconfigInvalid',
      position: { file: cluster.file },
    });
  return url;
}

function absolute(entry: Entry, file: unknown): string | undefined {
  const f = str(file);
  return f === undefined ? undefined : path.isAbsolute(f) ? f : path.join(entry.dir, f);
}

/** Data (`*-data`, base64) wins over a file, as in kubectl. */
function material(entry: Entry | undefined, dataKey: string, fileKey: string): Buffer | undefined {
  if (!entry) return undefined;
  const data = str(entry.body[dataKey]);
  if (data) return Buffer.from(data, 'base64');
  const file = absolute(entry, entry.body[fileKey]);
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new InputError(`cannot read ${fileKey} ${file} of "${entry.name}": ${isErrnoException(err) ? err.code : String(err)}`, {
      code: 'KubeconfigInvalid',
      position: { file: entry.file },
    });
  }
}

function directTls(cluster: Entry, user: Entry | undefined): TlsSettings {
  const tls: TlsSettings = { rejectUnauthorized: cluster.body['insecure-skip-tls-verify'] !== true };
  const ca = material(cluster, 'certificate-authority-data', 'certificate-authority');
  const cert = material(user, 'client-certificate-data', 'client-certificate');
  const key = material(user, 'client-key-data', 'client-key');
  const servername = str(cluster.body['tls-server-name']);
  if (ca) tls.ca = ca;
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  if (servername) tls.servername = servername;
  return tls;
}

/** A token file is re-read at most once a minute, so rotated projected tokens are picked up. */
const TOKEN_FILE_TTL_MS = 60_000;

/** TLS and auth headers for every user shape but the legacy auth-provider; exec plugins run here. */
async function directCredentials(cluster: Entry, user: Entry | undefined): Promise<Pick<ClusterConnection, 'tls' | 'authHeaders'>> {
  const tls = directTls(cluster, user);
  const base = directAuth(user);
  if (user?.body.exec === undefined) return { tls, authHeaders: base };
  const plugin = new ExecCredentialPlugin(parseExecConfig(user.body.exec, { user: user.name, file: user.file, dir: user.dir }), { user: user.name, file: user.file, dir: user.dir }, clusterInfo(cluster));
  // Run once now: a client certificate from the plugin must be in the TLS settings before the first socket opens.
  const first = await plugin.credential();
  if (first.clientCertificateData && first.clientKeyData) {
    tls.cert = Buffer.from(first.clientCertificateData);
    tls.key = Buffer.from(first.clientKeyData);
  }
  return {
    tls,
    authHeaders: async () => {
      const headers = await base();
      const { token } = await plugin.credential();
      return token ? { ...headers, Authorization: `Bearer ${token}` } : headers;
    },
  };
}

/** The cluster as an exec plugin sees it with provideClusterInfo (client.authentication.k8s.io Cluster). */
function clusterInfo(cluster: Entry): Json {
  const b = cluster.body;
  const ca = material(cluster, 'certificate-authority-data', 'certificate-authority');
  return {
    server: b.server,
    ...(str(b['tls-server-name']) ? { 'tls-server-name': b['tls-server-name'] } : {}),
    ...(b['insecure-skip-tls-verify'] === true ? { 'insecure-skip-tls-verify': true } : {}),
    ...(ca ? { 'certificate-authority-data': ca.toString('base64') } : {}),
    ...(str(b['proxy-url']) ? { 'proxy-url': b['proxy-url'] } : {}),
  };
}

function directAuth(user: Entry | undefined): () => Promise<AuthHeaders> {
  const fixed: AuthHeaders = {};
  if (!user) return () => Promise.resolve(fixed);
  const b = user.body;
  const username = str(b.username);
  if (username) fixed.Authorization = `Basic ${Buffer.from(`${username}:${str(b.password) ?? ''}`).toString('base64')}`;
  const token = str(b.token);
  if (token) fixed.Authorization = `Bearer ${token}`;
  const as = str(b.as);
  if (as) fixed['Impersonate-User'] = as;
  const asUid = str(b['as-uid']);
  if (asUid) fixed['Impersonate-Uid'] = asUid;
  const groups = Array.isArray(b['as-groups']) ? b['as-groups'].filter((g): g is string => typeof g === 'string') : [];
  // Each group is its own header line: the API server does not split a comma-joined value.
  const headers = (): AuthHeaders => ({ ...fixed, ...(groups.length ? { 'Impersonate-Group': groups } : {}) });
  const tokenFile = token ? undefined : absolute(user, b.tokenFile ?? b['token-file']);
  if (!tokenFile) return () => Promise.resolve(headers());
  let cached: { value: string; at: number } | undefined;
  return async () => {
    const now = Date.now();
    if (!cached || now - cached.at > TOKEN_FILE_TTL_MS) {
      try {
        cached = { value: (await readFile(tokenFile, 'utf8')).trim(), at: now };
      } catch (err) {
        throw new InputError(`cannot read tokenFile ${tokenFile} of user "${user.name}": ${isErrnoException(err) ? err.code : String(err)}`, {
          code: 'KubeconfigInvalid',
          position: { file: user.file },
        });
      }
    }
    return { ...headers(), Authorization: `Bearer ${cached.value}` };
  };
}

/**
 * Hands one resolved context with a legacy auth-provider (gcp, azure, oidc) to @kubernetes/client-node and asks it
 * for credentials on every request. It is imported only here: loading it costs about a second of CPU, which the
 * common kubeconfigs (certificates, tokens, exec plugins) never need to pay.
 */
async function viaClientNode(
  base: Pick<ClusterConnection, 'contextName' | 'server' | 'namespace' | 'files'>,
  cluster: Entry,
  user: Entry | undefined,
  ctx: Entry,
): Promise<ClusterConnection> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  // One self-contained kubeconfig with paths made absolute, so client-node sees exactly the entries we chose.
  const absolutize = (entry: Entry, keys: readonly string[]): Json => {
    const out: Json = { ...entry.body };
    for (const k of keys) if (out[k] !== undefined) out[k] = absolute(entry, out[k]);
    return out;
  };
  const single = {
    apiVersion: 'v1',
    kind: 'Config',
    // Without proxy-url: the transport does proxies itself, and client-node's SOCKS agent checks an IP server's
    // certificate against "localhost".
    clusters: [{ name: cluster.name, cluster: { ...absolutize(cluster, ['certificate-authority']), 'proxy-url': undefined } }],
    users: user ? [{ name: user.name, user: absolutize(user, ['client-certificate', 'client-key', 'tokenFile', 'token-file']) }] : [],
    contexts: [{ name: ctx.name, context: ctx.body }],
    'current-context': ctx.name,
  };
  kc.loadFromString(JSON.stringify(single));
  const probe: RequestOptions = {};
  await kc.applyToHTTPSOptions(probe);
  const tls: TlsSettings = { rejectUnauthorized: probe.rejectUnauthorized !== false };
  if (probe.ca) tls.ca = Buffer.from(probe.ca as string | Buffer);
  if (probe.cert) tls.cert = Buffer.from(probe.cert as string | Buffer);
  if (probe.key) tls.key = Buffer.from(probe.key as string | Buffer);
  if (probe.servername) tls.servername = probe.servername;
  return {
    ...base,
    tls,
    authVia: 'client-node',
    authHeaders: async () => {
      const o: RequestOptions = {};
      await kc.applyToHTTPSOptions(o);
      return headersOf(o);
    },
  };
}

function headersOf(o: RequestOptions): AuthHeaders {
  const out: AuthHeaders = {};
  for (const [k, v] of Object.entries(o.headers ?? {})) {
    if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
    else if (Array.isArray(v)) out[k] = v.map(String);
  }
  if (o.auth) out.Authorization = `Basic ${Buffer.from(o.auth).toString('base64')}`;
  return out;
}
