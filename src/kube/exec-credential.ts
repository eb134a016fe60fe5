// Exec credential plugins (kubeconfig `user.exec`): run the command, read its ExecCredential, never echo its output.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ClusterError, InputError } from '../errors.js';
import { isPlainObject } from '../resources/object.js';
import { sanitizeTerminalText } from '../terminal-text.js';

/** The `exec` block of a kubeconfig user (client.authentication.k8s.io ExecConfig). */
export interface ExecConfig {
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  apiVersion: string;
  interactiveMode: 'Never' | 'IfAvailable' | 'Always';
  installHint?: string;
  provideClusterInfo: boolean;
}

/** What a plugin hands back: a bearer token and/or a client certificate. */
export interface ExecCredentialStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expirationTimestamp?: string;
}

/** Where the exec block came from, for messages and relative command paths. */
export interface ExecOrigin {
  user: string;
  file: string;
  dir: string;
}

/** Parses and checks a kubeconfig `exec` block; a relative command with a `/` is resolved against the kubeconfig's folder (as client-go does). */
export function parseExecConfig(raw: unknown, origin: ExecOrigin): ExecConfig {
  const bad = (what: string) => new InputError(`user "${origin.user}": exec ${what}`, { code: 'KubeconfigInvalid', position: { file: origin.file }, fieldPath: `users[${origin.user}].user.exec` });
  if (!isPlainObject(raw)) throw bad('must be a mapping');
  if (typeof raw.command !== 'string' || raw.command === '') throw bad('has no command');
  if (typeof raw.apiVersion !== 'string' || !/^client\.authentication\.k8s\.io\/v1(beta1)?$/.test(raw.apiVersion))
    throw bad('apiVersion must be client.authentication.k8s.io/v1 or v1beta1');
  const args = raw.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw bad('args must be a list of strings');
  const env = raw.env ?? [];
  if (!Array.isArray(env) || !env.every((e) => isPlainObject(e) && typeof e.name === 'string' && typeof e.value === 'string'))
    throw bad('env must be a list of {name, value} strings');
  const mode = raw.interactiveMode ?? 'IfAvailable';
  if (mode !== 'Never' && mode !== 'IfAvailable' && mode !== 'Always') throw bad('interactiveMode must be Never, IfAvailable or Always');
  const command = raw.command.includes('/') && !path.isAbsolute(raw.command) ? path.join(origin.dir, raw.command) : raw.command;
  return {
    command,
    args: args as string[],
    env: env as { name: string; value: string }[],
    apiVersion: raw.apiVersion,
    interactiveMode: mode,
    ...(typeof raw.installHint === 'string' ? { installHint: raw.installHint } : {}),
    provideClusterInfo: raw.provideClusterInfo === true,
  };
}

const MAX_STDOUT = 1 << 20;

/**
 * Runs one exec plugin and caches its credential until `expirationTimestamp` (forever when it gives none, as
 * client-go does). Concurrent callers share one run. Failures name the plugin and its exit code, and at most the
 * first line of its stderr, sanitized: never its stdout, which is where the credential is.
 */
export class ExecCredentialPlugin {
  readonly #config: ExecConfig;
  readonly #origin: ExecOrigin;
  readonly #cluster: Record<string, unknown> | undefined;
  #cached: ExecCredentialStatus | undefined;
  #running: Promise<ExecCredentialStatus> | undefined;

  constructor(config: ExecConfig, origin: ExecOrigin, cluster?: Record<string, unknown>) {
    this.#config = config;
    this.#origin = origin;
    this.#cluster = cluster;
  }

  /** The current credential, running the plugin when there is none or it expired. */
  async credential(now: () => number = Date.now): Promise<ExecCredentialStatus> {
    const c = this.#cached;
    if (c && (c.expirationTimestamp === undefined || Date.parse(c.expirationTimestamp) > now())) return c;
    this.#running ??= this.#run().finally(() => (this.#running = undefined));
    this.#cached = await this.#running;
    return this.#cached;
  }

  get #name(): string {
    return sanitizeTerminalText(this.#config.command, { oneLine: true });
  }

  #run(): Promise<ExecCredentialStatus> {
    const cfg = this.#config;
    const interactive = cfg.interactiveMode === 'Always' || (cfg.interactiveMode === 'IfAvailable' && Boolean(process.stdin.isTTY));
    const info = {
      apiVersion: cfg.apiVersion,
      kind: 'ExecCredential',
      spec: { interactive, ...(cfg.provideClusterInfo && this.#cluster ? { cluster: this.#cluster } : {}) },
    };
    const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify(info) };
    for (const e of cfg.env) env[e.name] = e.value;
    const who = `the exec credential plugin "${this.#name}" of user "${this.#origin.user}"`;
    return new Promise((resolve, reject) => {
      const child = spawn(cfg.command, cfg.args, { env, stdio: [interactive ? 'inherit' : 'ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let outBytes = 0;
      let errText = '';
      child.stdout.on('data', (b: Buffer) => {
        outBytes += b.length;
        if (outBytes <= MAX_STDOUT) out.push(b);
      });
      child.stderr.on('data', (b: Buffer) => {
        // An interactive plugin talks to the person (a device code, a prompt): pass that on, made safe to print.
        if (interactive) process.stderr.write(sanitizeTerminalText(b.toString('utf8')));
        if (errText.length < 4096) errText += b.toString('utf8');
      });
      child.on('error', (err: NodeJS.ErrnoException) => {
        const hint = cfg.installHint ? `; ${sanitizeTerminalText(cfg.installHint, { oneLine: true })}` : '';
        if (err.code === 'ENOENT')
          reject(new InputError(`${who} cannot be run: ${this.#name} was not found${hint}`, { code: 'CredentialPluginMissing', position: { file: this.#origin.file } }));
        else reject(new ClusterError('CredentialPluginFailed', `${who} cannot be run (${err.code ?? 'error'})${hint}`));
      });
      child.on('close', (code, signal) => {
        if (code !== 0) {
          const first = sanitizeTerminalText(errText.split('\n').find((l) => l.trim() !== '') ?? '', { oneLine: true }).trim().slice(0, 200);
          const how = signal ? `was killed by ${signal}` : `failed with exit code ${code}`;
          reject(new ClusterError('CredentialPluginFailed', `${who} ${how}${first ? `: ${first}` : ''}`));
          return;
        }
        const status = readCredential(Buffer.concat(out).toString('utf8'), cfg.apiVersion);
        if (typeof status === 'string') reject(new ClusterError('CredentialPluginBadOutput', `${who} ${status} (its output is not shown: it may hold a credential)`));
        else resolve(status);
      });
    });
  }
}

/** The credential in a plugin's stdout, or why there is none (a reason that never quotes the output). */
function readCredential(stdout: string, apiVersion: string): ExecCredentialStatus | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    return 'did not print an ExecCredential JSON object on stdout';
  }
  if (!isPlainObject(parsed) || parsed.kind !== 'ExecCredential') return 'did not print an ExecCredential JSON object on stdout';
  if (parsed.apiVersion !== apiVersion) return `printed an ExecCredential whose apiVersion is not the kubeconfig's ${apiVersion}`;
  const s = parsed.status;
  if (!isPlainObject(s)) return 'printed an ExecCredential without status';
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const status: ExecCredentialStatus = {};
  const token = str(s.token);
  const cert = str(s.clientCertificateData);
  const key = str(s.clientKeyData);
  const exp = str(s.expirationTimestamp);
  if (token) status.token = token;
  if (cert) status.clientCertificateData = cert;
  if (key) status.clientKeyData = key;
  if (exp) status.expirationTimestamp = exp;
  if (!token && !(cert && key)) return 'printed an ExecCredential with neither a token nor a client certificate and key';
  if (Boolean(cert) !== Boolean(key)) return 'printed an ExecCredential with only one of clientCertificateData and clientKeyData';
  return status;
}
