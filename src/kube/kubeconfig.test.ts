import { mkdtempSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ExitCode, InputError, UsageError } from '../errors.js';
import { kubeconfigFiles, listContexts, loadConnection } from './kubeconfig.js';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'meshferry-kubeconfig-'));
}

function write(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A kubeconfig with one context per user shape meshferry reads itself. */
function directShapes(dir: string): string {
  write(dir, 'ca.pem', 'CA FROM FILE');
  write(dir, 'client.crt', 'CERT FROM FILE');
  write(dir, 'client.key', 'KEY FROM FILE');
  return write(
    dir,
    'config',
    `apiVersion: v1
kind: Config
clusters:
- name: files
  cluster: {server: "https://127.0.0.1:6443/", certificate-authority: ca.pem}
- name: data
  cluster: {server: "https://127.0.0.1:6444", certificate-authority-data: ${b64('CA DATA')}, tls-server-name: api.internal}
- name: insecure
  cluster: {server: "https://127.0.0.1:6445", insecure-skip-tls-verify: true}
users:
- name: token
  user: {token: tok-123}
- name: basic
  user: {username: admin, password: s3cret}
- name: certfiles
  user: {client-certificate: client.crt, client-key: client.key}
- name: certdata
  user: {client-certificate-data: ${b64('CERT DATA')}, client-key-data: ${b64('KEY DATA')}}
- name: impersonating
  user: {token: tok-9, as: jane, as-groups: [devs, ops]}
contexts:
- name: token
  context: {cluster: files, user: token, namespace: shop}
- name: basic
  context: {cluster: insecure, user: basic}
- name: certfiles
  context: {cluster: files, user: certfiles}
- name: certdata
  context: {cluster: data, user: certdata}
- name: impersonating
  context: {cluster: data, user: impersonating}
current-context: token
`,
  );
}

describe('kubeconfigFiles', () => {
  it.each([
    { name: '--kubeconfig wins', opts: { kubeconfig: '/x', env: { KUBECONFIG: '/a:/b', HOME: '/h' } }, want: ['/x'] },
    { name: 'every KUBECONFIG entry', opts: { env: { KUBECONFIG: `/a${path.delimiter}${path.delimiter}/b`, HOME: '/h' } }, want: ['/a', '/b'] },
    { name: '~/.kube/config otherwise', opts: { env: { HOME: '/h' } }, want: ['/h/.kube/config'] },
  ])('$name', ({ opts, want }) => {
    expect(kubeconfigFiles(opts)).toEqual(want);
  });
});

describe('loadConnection', () => {
  it('merges KUBECONFIG files like kubectl: the first definition of a name and the first current-context win', async () => {
    const dir = tempDir();
    const first = write(dir, 'one', 'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: one}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n');
    const second = write(
      dir,
      'two',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:2"}}, {name: d, cluster: {server: "https://127.0.0.1:3"}}]\nusers: [{name: u, user: {token: two}}]\ncontexts: [{name: y, context: {cluster: d, user: u}}]\ncurrent-context: y\n',
    );
    const env = { KUBECONFIG: [first, path.join(dir, 'missing'), second].join(path.delimiter), HOME: dir };
    const current = await loadConnection({ env });
    expect(current.contextName).toBe('y');
    expect(current.server).toBe('https://127.0.0.1:3');
    expect(await current.authHeaders()).toEqual({ Authorization: 'Bearer one' });
    const x = await loadConnection({ env, context: 'x' });
    expect(x.server).toBe('https://127.0.0.1:1');
    expect(x.files).toEqual([first, second]);
    expect((await listContexts({ env })).map((c) => c.name)).toEqual(['x', 'y']);
  });

  it.each([
    { name: 'token, CA file relative to the kubeconfig, context namespace', context: 'token', tls: { ca: 'CA FROM FILE', rejectUnauthorized: true }, headers: { Authorization: 'Bearer tok-123' }, namespace: 'shop' },
    { name: 'basic auth, insecure', context: 'basic', tls: { rejectUnauthorized: false }, headers: { Authorization: `Basic ${b64('admin:s3cret')}` }, namespace: 'default' },
    { name: 'client certificate files', context: 'certfiles', tls: { ca: 'CA FROM FILE', cert: 'CERT FROM FILE', key: 'KEY FROM FILE', rejectUnauthorized: true }, headers: {}, namespace: 'default' },
    { name: 'client certificate data, TLS server name', context: 'certdata', tls: { ca: 'CA DATA', cert: 'CERT DATA', key: 'KEY DATA', servername: 'api.internal', rejectUnauthorized: true }, headers: {}, namespace: 'default' },
    {
      name: 'impersonation, one header per group',
      context: 'impersonating',
      tls: { ca: 'CA DATA', servername: 'api.internal', rejectUnauthorized: true },
      headers: { Authorization: 'Bearer tok-9', 'Impersonate-User': 'jane', 'Impersonate-Group': ['devs', 'ops'] },
      namespace: 'default',
    },
  ])('$name', async ({ context, tls, headers, namespace }) => {
    const file = directShapes(tempDir());
    const conn = await loadConnection({ kubeconfig: file, context });
    expect(conn.authVia).toBe('direct');
    const got = Object.fromEntries(Object.entries(conn.tls).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString() : v]));
    expect(got).toEqual(tls);
    expect(await conn.authHeaders()).toEqual(headers);
    expect(conn.namespace).toBe(namespace);
    expect(conn.server).not.toMatch(/\/$/);
  });

  // The reader must agree with the official client on every shape it handles without it.
  it.each(['token', 'basic', 'certfiles', 'certdata'])('agrees with @kubernetes/client-node for context %s', async (context) => {
    const file = directShapes(tempDir());
    const conn = await loadConnection({ kubeconfig: file, context });
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    kc.setCurrentContext(context);
    const opts: RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    const official = {
      server: kc.getCurrentCluster()?.server.replace(/\/+$/, ''),
      ca: opts.ca?.toString(),
      cert: opts.cert?.toString(),
      key: opts.key?.toString(),
      rejectUnauthorized: opts.rejectUnauthorized !== false,
      authorization: (opts.headers as Record<string, string> | undefined)?.Authorization ?? (opts.auth ? `Basic ${b64(opts.auth)}` : undefined),
    };
    const ours = {
      server: conn.server,
      ca: conn.tls.ca?.toString(),
      cert: conn.tls.cert?.toString(),
      key: conn.tls.key?.toString(),
      rejectUnauthorized: conn.tls.rejectUnauthorized,
      authorization: (await conn.authHeaders()).Authorization,
    };
    expect(ours).toEqual(official);
  });

  it('re-reads a tokenFile (projected tokens rotate)', async () => {
    const dir = tempDir();
    write(dir, 'token', 'from-file\n');
    const file = write(dir, 'config', 'clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]\nusers: [{name: u, user: {tokenFile: token}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n');
    const conn = await loadConnection({ kubeconfig: file });
    expect(await conn.authHeaders()).toEqual({ Authorization: 'Bearer from-file' });
  });

  it('runs exec credential plugins itself (client-node would echo their output in errors)', async () => {
    const dir = tempDir();
    const plugin = write(
      dir,
      'plugin.mjs',
      `process.stdout.write(JSON.stringify({apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: {token: 'exec-token'}}));\n`,
    );
    const file = write(
      dir,
      'config',
      `clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(plugin)}], interactiveMode: Never}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`,
    );
    const conn = await loadConnection({ kubeconfig: file });
    expect(conn.authVia).toBe('direct');
    expect(conn.tls.rejectUnauthorized).toBe(false);
    expect((await conn.authHeaders()).Authorization).toBe('Bearer exec-token');
  });

  it.each([
    { name: 'unknown context lists the known ones', text: 'clusters: [{name: c, cluster: {server: "https://h"}}]\ncontexts: [{name: b, context: {cluster: c}}, {name: a, context: {cluster: c}}]\n', context: 'nope', type: UsageError, message: /context "nope" not found in .*; known contexts: a, b/ },
    { name: 'no current-context and no --context', text: 'clusters: [{name: c, cluster: {server: "https://h"}}]\ncontexts: [{name: a, context: {cluster: c}}]\n', context: undefined, type: UsageError, message: /no --context given .* known contexts: a/ },
    { name: 'a context naming a missing cluster', text: 'contexts: [{name: a, context: {cluster: gone}}]\ncurrent-context: a\n', context: undefined, type: InputError, message: /refers to cluster "gone"/ },
    { name: 'a context naming a missing user', text: 'clusters: [{name: c, cluster: {server: "https://h"}}]\ncontexts: [{name: a, context: {cluster: c, user: gone}}]\ncurrent-context: a\n', context: undefined, type: InputError, message: /refers to user "gone"/ },
    { name: 'a server that is not a URL', text: 'clusters: [{name: c, cluster: {server: "h:6443"}}]\ncontexts: [{name: a, context: {cluster: c}}]\ncurrent-context: a\n', context: undefined, type: InputError, message: /not an http\(s\) URL/ },
    { name: 'YAML that does not parse', text: 'clusters: [\n', context: undefined, type: InputError, message: /is not valid YAML/ },
    { name: 'clusters that is not a list', text: 'clusters: {a: 1}\n', context: undefined, type: InputError, message: /clusters must be a list/ },
  ])('$name', async ({ text, context, type, message }) => {
    const file = write(tempDir(), 'config', text);
    const err = await loadConnection({ kubeconfig: file, ...(context ? { context } : {}) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
    expect((err as UsageError).exitCode).toBe(ExitCode.usage);
  });

  it('says where it looked when there is no kubeconfig at all', async () => {
    const dir = tempDir();
    const err = await loadConnection({ env: { HOME: dir } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain(path.join(dir, '.kube', 'config'));
  });

  it('an explicit --kubeconfig that does not exist is an error, not a fallback', async () => {
    const err = await loadConnection({ kubeconfig: path.join(tempDir(), 'nope') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/cannot read kubeconfig .*nope: no such file/);
  });

  it('a --kubeconfig that is a folder is one sentence of bad input (exit 2), not a raw EISDIR', async () => {
    const dir = tempDir();
    const err = await loadConnection({ kubeconfig: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(ExitCode.usage);
    expect((err as Error).message).toBe(`cannot read kubeconfig ${dir}: it is a folder, not a file; name the kubeconfig file itself (for example ~/.kube/config)`);
    expect((err as Error).message).not.toMatch(/EISDIR/);
  });
});

describe('exec credential plugins', () => {
  function withPlugin(script: string, exec: Record<string, unknown> = {}): string {
    const dir = tempDir();
    const plugin = write(dir, 'plugin.mjs', script);
    return write(
      dir,
      'config',
      JSON.stringify({
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [plugin], interactiveMode: 'Never', ...exec } } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
  }
  const quiet = { warn: () => undefined };

  it('a plugin that prints a raw token (not ExecCredential JSON) fails without echoing any of it', async () => {
    const file = withPlugin(`process.stdout.write('sk-SECRETTOKEN-0123456789abcdef');\n`);
    const err = await loadConnection({ kubeconfig: file, ...quiet }).then((c) => c.authHeaders()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).not.toMatch(/sk-|SECRET|0123/);
    expect(msg).toContain(path.basename(process.execPath));
    expect(msg).toMatch(/ExecCredential/);
    expect((err as { exitCode?: number }).exitCode).toBe(ExitCode.cluster);
  });

  it('a failing plugin is named with its exit code and only the first line of its stderr, sanitized', async () => {
    const file = withPlugin(`process.stdout.write('tok-on-stdout'); process.stderr.write('login expired \\x1b[31mred\\nsecond-line-secret\\n'); process.exit(7);\n`);
    const err = await loadConnection({ kubeconfig: file, ...quiet }).then((c) => c.authHeaders()).catch((e: unknown) => e);
    const msg = (err as Error).message;
    expect(msg).toMatch(/exit code 7/);
    expect(msg).toContain('login expired \\x1b[31mred');
    expect(msg).not.toContain('second-line-secret');
    expect(msg).not.toContain('tok-on-stdout');
    expect(msg).not.toContain('\x1b');
    expect((err as { exitCode?: number }).exitCode).toBe(ExitCode.cluster);
  });

  it('gives the plugin KUBERNETES_EXEC_INFO and its env, and uses the token it returns', async () => {
    const file = withPlugin(
      `const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO); process.stdout.write(JSON.stringify({apiVersion: info.apiVersion, kind: 'ExecCredential', status: {token: 'tok-' + process.env.EXTRA + '-' + info.spec.interactive}}));\n`,
      { env: [{ name: 'EXTRA', value: 'x1' }] },
    );
    const conn = await loadConnection({ kubeconfig: file, ...quiet });
    expect((await conn.authHeaders()).Authorization).toBe('Bearer tok-x1-false');
  });

  it('a missing plugin command is named, with its install hint', async () => {
    const file = withPlugin('', { command: '/nonexistent/kubelogin', args: [], installHint: 'install kubelogin \x1b[1m' });
    const err = await loadConnection({ kubeconfig: file, ...quiet }).then((c) => c.authHeaders()).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/\/nonexistent\/kubelogin/);
    expect((err as Error).message).toContain('install kubelogin \\x1b[1m');
  });
});

describe('TLS verification', () => {
  const conf = (cluster: string, user = '{token: t}') =>
    `clusters: [{name: c, cluster: ${cluster}}]\nusers: [{name: u, user: ${user}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`;

  it.each([
    { name: 'certificate-authority-data', cluster: `{server: "https://127.0.0.1:1", certificate-authority-data: ${b64('CA')}, insecure-skip-tls-verify: true}` },
    { name: 'certificate-authority', cluster: '{server: "https://127.0.0.1:1", certificate-authority: ca.pem, insecure-skip-tls-verify: true}' },
  ])('refuses $name together with insecure-skip-tls-verify, as client-go does', async ({ cluster }) => {
    const dir = tempDir();
    write(dir, 'ca.pem', 'CA');
    const err = await loadConnection({ kubeconfig: write(dir, 'config', conf(cluster)) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain('specifying a root certificates file with the insecure flag is not allowed');
    expect((err as Error).message).toContain('cluster "c"');
  });

  it.each([
    { name: 'verification off', cluster: '{server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}', user: '{token: t}', want: [/TLS verification is off for context "x"/] },
    { name: 'a token over plain http', cluster: '{server: "http://127.0.0.1:1"}', user: '{token: t}', want: [/credentials of context "x" go over plain http:\/\/127\.0\.0\.1:1/] },
    { name: 'basic auth over plain http', cluster: '{server: "http://u:p@127.0.0.1:1"}', user: '{username: a, password: b}', want: [/plain http:\/\/127\.0\.0\.1:1/] },
    { name: 'nothing for verified https', cluster: `{server: "https://127.0.0.1:1", certificate-authority-data: ${b64('CA')}}`, user: '{token: t}', want: [] },
    { name: 'nothing for http without credentials', cluster: '{server: "http://127.0.0.1:1"}', user: '{}', want: [] },
  ])('warns on stderr: $name', async ({ cluster, user, want }) => {
    const warnings: string[] = [];
    await loadConnection({ kubeconfig: write(tempDir(), 'config', conf(cluster, user)), warn: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(want.length);
    want.forEach((re, i) => expect(warnings[i]).toMatch(re));
    for (const w of warnings) expect(w).not.toContain('u:p@');
  });
});
