// The contexts a router spec names: each found with its field, and one the kubeconfig lacks is exit 2 at its line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasStackTrace, runCli } from '../../../test/support/cli.js';
import { ExitCode, InputError } from '../../errors.js';
import { parseTrafficShift } from '../shift/spec.js';
import { requireRouterContexts, routerContextFields } from './router-contexts.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'router-contexts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const kubeconfig = path.join(dir, 'kubeconfig');
writeFileSync(
  kubeconfig,
  'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {}}]\n' +
    'contexts: [{name: primary, context: {cluster: c, user: u}}, {name: remote, context: {cluster: c, user: u}}, {name: tcm, context: {cluster: c, user: u}}]\n',
);

const shift = (router: string) =>
  parseTrafficShift(
    `apiVersion: meshferry.dev/v1alpha1
kind: TrafficShift
metadata: {name: exit, namespace: istio-system}
spec:
  router:
${router}  steps: [50, 100]
  interval: 1m
  gates:
    prometheus: {address: http://127.0.0.1:9090}
    checks: [{metric: request-success-rate, min: 99}]
`,
    'shift.yaml',
  );

const LB = `    lbWeight:
      provider: ack
      from: {context: tcm, service: istio-ingressgateway}
      to: {context: remote, configContext: CONFIG, service: istio-ingressgateway-new}
`;

describe('routerContextFields', () => {
  it.each([
    ['lbWeight from/to with a configContext', LB.replace('CONFIG', 'primary'), [
      ['tcm', 'spec.router.lbWeight.from.context'],
      ['remote', 'spec.router.lbWeight.to.context'],
      ['primary', 'spec.router.lbWeight.to.configContext'],
    ]],
    ['lbWeight targets', '    lbWeight:\n      provider: ack\n      targets:\n      - {from: {service: a}, to: {context: remote, configContext: primary, service: b}}\n', [
      ['remote', 'spec.router.lbWeight.targets.0.to.context'],
      ['primary', 'spec.router.lbWeight.targets.0.to.configContext'],
    ]],
    ['virtualService targets (one without a context)', '    virtualService:\n      targets: [{name: v}, {context: tcm, name: v}]\n      from: {host: a}\n      to: {host: b}\n', [['tcm', 'spec.router.virtualService.targets.1.context']]],
  ])('%s', (_name, router, want) => {
    expect(routerContextFields(shift(router).value.spec.router).map((f) => [f.context, f.path.join('.')])).toEqual(want);
  });
});

describe('requireRouterContexts', () => {
  it('passes when the kubeconfig defines every context', async () => {
    const f = shift(LB.replace('CONFIG', 'primary'));
    await expect(requireRouterContexts(f.value.spec.router, f.locate, { kubeconfig })).resolves.toBeUndefined();
  });

  it('a mistyped configContext is exit 2 at its line, listing the known contexts', async () => {
    const f = shift(LB.replace('CONFIG', 'primray'));
    const err = await requireRouterContexts(f.value.spec.router, f.locate, { kubeconfig }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(ExitCode.usage);
    expect((err as InputError).code).toBe('ContextNotFound');
    expect((err as InputError).message).toBe(
      `shift.yaml:9:29: context "primray" is not in the kubeconfig (${kubeconfig}); known contexts: primary, remote, tcm. Fix spec.router.lbWeight.to.configContext`,
    );
  });
});

it('shift plan refuses a TrafficShift whose configContext the kubeconfig lacks: exit 2 at its line, before connecting', () => {
  const file = path.join(dir, 'shift.yaml');
  writeFileSync(
    file,
    `apiVersion: meshferry.dev/v1alpha1
kind: TrafficShift
metadata: {name: exit, namespace: istio-system}
spec:
  router:
${LB.replace('CONFIG', 'primray')}  steps: [50, 100]
  interval: 1m
`,
  );
  const res = runCli(['shift', 'plan', file, '--kubeconfig', kubeconfig]);
  expect(res.code, res.stderr).toBe(2);
  expect(res.stderr).toContain(`${file}:9:29: context "primray" is not in the kubeconfig (${kubeconfig}); known contexts: primary, remote, tcm. Fix spec.router.lbWeight.to.configContext`);
  expect(hasStackTrace(res.stderr)).toBe(false);
});
