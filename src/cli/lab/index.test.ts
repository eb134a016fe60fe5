// `meshferry lab` without a running lab: help, bad input (exit 2, no stack trace), status and down of nothing.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasStackTrace, runCli } from '../../../test/support/cli.js';
import { UsageError } from '../../errors.js';
import { labSummary, parseRevisionsFlag } from './index.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'mf-lab-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('lab help', () => {
  it.each([
    [['lab', '--help'], [/up\b.*start a lab/, /down\b/, /status\b/]],
    [['lab', 'up', '--help'], [/--clusters <names>/, /--revisions <revs>/, /--nodes <n>/, /--dir <dir>/, /Examples:\n/, /lab up --dir \/tmp\/lab --clusters east,west --revisions canary/]],
    [
      ['lab', 'up', '--help'],
      [
        /r1,r2 in every cluster, or\s+cluster=rev,\.\.\. per cluster/,
        /--revisions\s+has\s+two\s+forms,\s+which\s+cannot\s+be\s+mixed\.\s+`r1,r2`\s+starts\s+every\s+revision\s+in\s+every\s+cluster/,
        /with\s+tcm=1-18-5,primary=1-31-1\s+cluster\s+tcm\s+runs\s+only\s+1-18-5\s+and\s+primary\s+only\s+1-31-1/,
        /a\s+cluster\s+not\s+named\s+runs\s+none/,
        /lab up --clusters tcm,primary,remote --revisions tcm=1-18-5,primary=1-31-1,remote=1-31-1/,
      ],
    ],
    [
      ['lab', 'up', '--help'],
      [
        /--istiod-ca <mode>\s+shared: one lab CA for every\s+istiod/,
        /\(choices:\s+"shared",\s+"per-cluster",\s+default:\s+"shared"\)/,
        /With\s+per-cluster\s+each\s+cluster\s+gets\s+a\s+CA\s+of\s+its\s+own/,
        /two\s+clusters\s+then\s+have\s+different\s+mesh\s+roots,\s+as\s+a\s+TCM\s+mesh\s+and\s+a\s+self-built\s+mesh\s+do/,
        /lab up --clusters tcm,primary --revisions tcm=1-18-5,primary=1-31-1 --istiod-ca per-cluster/,
      ],
    ],
    [['lab', 'down', '--help'], [/--keep/, /Examples:\n/]],
    [['lab', 'status', '--help'], [/-o, --output <format>/, /Exit 0 when/, /Examples:\n/]],
    [['lab', '--help'], [/apiserver\b.*stop or start one cluster's kube-apiserver/]],
    [['lab', 'apiserver', '--help'], [/stop \[options\]/, /start \[options\]/, /etcd, the\s+controllers and istiod keep\s+running/, /Examples:\n/]],
    [['lab', 'apiserver', 'stop', '--help'], [/--cluster <name>/, /--dir <dir>/, /--timeout <seconds>/, /lab apiserver stop --cluster remote/]],
    [['lab', 'apiserver', 'start', '--help'], [/--cluster <name>/, /\(default: 180\)/, /lab apiserver start --cluster east --dir \/tmp\/lab --timeout 300/]],
  ])('%j explains itself', (args, patterns) => {
    const res = runCli(args);
    expect(res.code).toBe(0);
    for (const p of patterns) expect(res.stdout).toMatch(p);
  });
});

describe('lab bad input', () => {
  it.each([
    ['a cluster name that is no DNS label', ['--clusters', 'East_1'], /cluster name "East_1" is not a DNS label/],
    ['a revision with dots', ['--revisions', '1.31.1'], /revision "1.31.1" is not a DNS label \(.*1-31-1/],
    ['a cluster given twice', ['--clusters', 'a,a'], /cluster name "a" is given twice/],
    ['zero nodes', ['--nodes', '0'], /expected a positive whole number/],
    ['a mix of per-cluster and every-cluster revisions', ['--clusters', 'tcm,primary', '--revisions', 'tcm=1-18-5,canary'], /--revisions mixes the per-cluster form \(tcm=1-18-5\) with the every-cluster form \(canary\)/],
    ['a per-cluster revision for a cluster the lab does not have', ['--clusters', 'tcm,primary', '--revisions', 'tcm=1-18-5,remote=1-31-1'], /revisions name cluster "remote", which the lab does not have \(clusters: tcm, primary\)/],
    ['a per-cluster revision without --clusters (the one cluster is "lab")', ['--revisions', 'east=canary'], /revisions name cluster "east", which the lab does not have \(clusters: lab\)/],
    ['a per-cluster entry without a revision', ['--clusters', 'tcm', '--revisions', 'tcm='], /--revisions entry "tcm=" is not <cluster>=<revision>/],
    ['a per-cluster revision with dots', ['--clusters', 'tcm', '--revisions', 'tcm=1.18.5'], /revision "1.18.5" of cluster tcm is not a DNS label/],
    ['an --istiod-ca that is no mode', ['--istiod-ca', 'cluster'], /argument 'cluster' is invalid\. Allowed choices are shared, per-cluster/],
    ['a per-cluster istiod CA without istiod', ['--no-istiod', '--istiod-ca', 'per-cluster'], /--istiod-ca per-cluster gives each cluster's istiods a CA of their own, but this lab starts no istiod/],
    ['a per-cluster istiod CA on a bare lab', ['--bare', '--istiod-ca', 'per-cluster'], /but this lab starts no istiod \(--bare, --no-istiod or no revisions\)/],
  ])('refuses %s with exit 2 before touching the folder', (_name, flags, message) => {
    const dir = path.join(tmp, `never-${Math.random().toString(36).slice(2)}`);
    const res = runCli(['lab', 'up', '--dir', dir, ...flags]);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(hasStackTrace(res.stderr)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses a non-empty folder that holds no lab, leaving its files alone', () => {
    const dir = mkdtempSync(path.join(tmp, 'foreign-'));
    writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    const res = runCli(['lab', 'up', '--dir', dir]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/is not empty and holds no lab/);
    expect(existsSync(path.join(dir, 'notes.txt'))).toBe(true);
  });
});

describe('parseRevisionsFlag', () => {
  it.each<[string, string[], unknown]>([
    ['the every-cluster form stays a list', ['default', 'canary'], ['default', 'canary']],
    ['one per cluster', ['tcm=1-18-5', 'primary=1-31-1', 'remote=1-31-1'], { tcm: ['1-18-5'], primary: ['1-31-1'], remote: ['1-31-1'] }],
    ['a cluster named twice gets both, in order', ['primary=1-31-1', 'tcm=1-18-5', 'primary=canary'], { primary: ['1-31-1', 'canary'], tcm: ['1-18-5'] }],
    ['a cluster called __proto__ is an ordinary key (startLab then refuses it as no cluster of the lab)', ['__proto__=x'], JSON.parse('{"__proto__":["x"]}')],
  ])('%s', (_name, items, want) => {
    expect(parseRevisionsFlag(items)).toEqual(want);
  });

  it.each([
    ['a mix of the two forms', ['canary', 'tcm=1-18-5'], /^--revisions mixes the per-cluster form \(tcm=1-18-5\) with the every-cluster form \(canary\); use one: --revisions canary,stable starts both in every cluster, --revisions tcm=1-18-5,primary=1-31-1 one per cluster$/],
    ['an entry without a cluster', ['=1-18-5'], /^--revisions entry "=1-18-5" is not <cluster>=<revision> \(e\.g\. tcm=1-18-5\)$/],
    ['an entry without a revision', ['tcm='], /entry "tcm=" is not <cluster>=<revision>/],
    ['an entry with two =', ['tcm=a=b'], /entry "tcm=a=b" is not <cluster>=<revision>/],
  ])('refuses %s', (_name, items, message) => {
    expect(() => parseRevisionsFlag(items)).toThrow(UsageError);
    expect(() => parseRevisionsFlag(items)).toThrow(message);
  });
});

describe('lab apiserver flags', () => {
  it.each([
    ['stop without --cluster', ['stop'], /required option '--cluster <name>' not specified/],
    ['start without --cluster', ['start'], /required option '--cluster <name>' not specified/],
    ['a zero --timeout', ['start', '--cluster', 'east', '--timeout', '0'], /expected a positive whole number, got "0"/],
    ['a --timeout that is no number', ['stop', '--cluster', 'east', '--timeout', 'soon'], /expected a positive whole number, got "soon"/],
    ['a folder without a lab', ['stop', '--cluster', 'east', '--dir', path.join(tmp, 'no-lab-here')], /no-lab-here holds no lab; start one with `meshferry lab up --dir/],
  ])('refuses %s with exit 2', (_name, args, message) => {
    const res = runCli(['lab', 'apiserver', ...args]);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(hasStackTrace(res.stderr)).toBe(false);
  });
});

describe('lab traffic without a lab', () => {
  it('exits 2, names the folder and says how to point at another one', () => {
    const dir = mkdtempSync(path.join(tmp, 'traffic-'));
    const file = path.join(dir, 'shift.yaml');
    writeFileSync(
      file,
      'apiVersion: meshferry.dev/v1alpha1\nkind: TrafficShift\nmetadata: {name: s, namespace: default}\nspec:\n  router:\n    virtualService:\n      targets: [{context: east, name: vs}]\n      from: {host: a}\n      to: {host: b}\n  steps: [50, 100]\n  interval: 10s\n',
    );
    const res = runCli(['lab', 'traffic', file, '--dir', path.join(dir, 'no-lab-here')]);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(/no-lab-here holds no lab; start one with `meshferry lab up --dir .*no-lab-here --prometheus`, or pass --dir with the folder of the lab you started/);
    expect(hasStackTrace(res.stderr)).toBe(false);
  });
});

describe('lab traffic --cluster and --call', () => {
  const dir = mkdtempSync(path.join(tmp, 'traffic-flags-'));
  const file = path.join(dir, 'shift.yaml');
  writeFileSync(
    file,
    'apiVersion: meshferry.dev/v1alpha1\nkind: TrafficShift\nmetadata: {name: s, namespace: default}\nspec:\n  router:\n    virtualService:\n      targets: [{context: east, name: vs}]\n      from: {host: a}\n      to: {host: b}\n  steps: [50, 100]\n  interval: 10s\n',
  );

  it('--help documents both forms of --cluster and the --call syntax, chains and refusals', () => {
    const res = runCli(['lab', 'traffic', '--help']);
    expect(res.code).toBe(0);
    for (const want of [
      /--cluster <name\|from=A,to=B>/,
      /--call <caller=callee\[@cluster\]>/,
      /--cluster NAME puts every end in NAME; --cluster from=A,to=B puts the "from" side in A and the "to" side in B/,
      /--call CALLER=CALLEE\[@CLUSTER\], both NAMESPACE\/WORKLOAD, repeatable/,
      /reported by both sidecars \(reporter="source" and "destination"\)/,
      /a loop, a call given twice or a CALLER no request reaches is refused \(exit 2\)/,
      /--cluster from=tcm,to=remote \\ --call shop\/frontend=payments\/payments/,
    ])
      // Commander wraps the description to the terminal's width: compared with every run of spaces as one.
      expect(res.stdout.replace(/\s+/g, ' ')).toMatch(want);
  });

  it.each([
    ['a loop', ['--call', 'shop/a=shop/b', '--call', 'shop/b=shop/a'], /--call makes a loop: shop\/a → shop\/b → shop\/a/],
    ['a self-call', ['--call', 'shop/a=shop/a'], /--call makes a loop: shop\/a → shop\/a/],
    ['a call that is not NS/WORKLOAD', ['--call', 'frontend=payments/payments'], /--call frontend=payments\/payments: "frontend" is not NAMESPACE\/WORKLOAD/],
    ['--cluster with one side', ['--cluster', 'from=tcm'], /--cluster from=tcm: name both sides, e\.g\. --cluster from=tcm,to=remote/],
    ['--cluster with an unknown key', ['--cluster', 'from=tcm,to=remote,gateway=x'], /KEY from, to or client/],
  ])('refuses %s with exit 2 before it looks for a lab', (_name, args, want) => {
    const res = runCli(['lab', 'traffic', file, '--dir', path.join(dir, 'no-lab-here'), ...args]);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(want);
    expect(res.stderr).not.toMatch(/holds no lab/);
    expect(hasStackTrace(res.stderr)).toBe(false);
  });
});

describe('lab status and down without a lab', () => {
  it('status exits 1 and says there is no lab', () => {
    const res = runCli(['lab', 'status', '--dir', mkdtempSync(path.join(tmp, 'empty-'))]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/no lab in/);
  });

  it('status -o json reports exists: false', () => {
    const res = runCli(['lab', 'status', '--dir', mkdtempSync(path.join(tmp, 'empty-')), '-o', 'json']);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout)).toMatchObject({ exists: false, running: false, components: [] });
  });

  it('down is a no-op that succeeds', () => {
    const res = runCli(['lab', 'down', '--dir', mkdtempSync(path.join(tmp, 'empty-'))]);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/nothing to stop/);
  });
});

describe('labSummary', () => {
  it('tells how to connect and never carries a token', () => {
    const summary = labSummary({
      dir: '/l',
      kubeconfigPath: '/l/kubeconfig',
      caFile: '/l/pki/ca.crt',
      clusters: [
        {
          name: 'east',
          context: 'east',
          server: 'https://127.0.0.1:1',
          token: 'SECRET-TOKEN',
          bare: false,
          nodes: 1,
          etcd: { clientPort: 2, peerPort: 3 },
          istiods: [
            {
              revision: 'canary',
              isDefault: true,
              ports: { http: 4, grpc: 5, secureGrpc: 6, https: 7, monitoring: 8, ctrlz: 9 },
              injectionUrl: 'https://localhost:7/inject',
              validationUrl: 'https://localhost:7/validate',
            },
          ],
        },
      ],
    });
    expect(JSON.stringify(summary)).not.toContain('SECRET-TOKEN');
    expect(summary).toMatchObject({
      kubeconfig: '/l/kubeconfig',
      istiodCa: 'shared',
      clusters: [{ context: 'east', server: 'https://127.0.0.1:1', istiods: [{ revision: 'canary', default: true, injectionUrl: 'https://localhost:7/inject' }] }],
    });
  });
});

describe('labSummary with a CA per cluster', () => {
  it('names each cluster\'s root certificate file and never its key', () => {
    const meshCa = { rootCertFile: '/l/pki/tcm/cacerts/root-cert.pem', cacertsDir: '/l/pki/tcm/cacerts', servingCertFile: '/l/pki/tcm/istiod.crt', servingKeyFile: '/l/pki/tcm/istiod.key' };
    const summary = labSummary({
      dir: '/l',
      kubeconfigPath: '/l/kubeconfig',
      caFile: '/l/pki/ca.crt',
      istiodCa: 'per-cluster',
      clusters: [{ name: 'tcm', context: 'tcm', server: 'https://127.0.0.1:1', token: 't', bare: false, nodes: 1, etcd: { clientPort: 2, peerPort: 3 }, istiods: [], meshCa }],
    });
    expect(summary).toMatchObject({ istiodCa: 'per-cluster', clusters: [{ name: 'tcm', meshRootFile: '/l/pki/tcm/cacerts/root-cert.pem' }] });
    expect(JSON.stringify(summary)).not.toMatch(/key|cacerts"/);
  });
});
