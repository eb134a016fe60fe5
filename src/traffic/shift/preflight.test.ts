// The checks before a shift's first write, shared by `shift run` and a migration's wave shifts: router errors at the file's router line, another owner refused unless allowed, warnings returned.
import { describe, expect, it } from 'vitest';
import { InputErrors, UsageError } from '../../errors.js';
import type { LiveWeights, Router, RouterProblem } from '../routers/router.js';
import { preflightShift, shiftGate } from './preflight.js';
import { parseTrafficShift } from './spec.js';

const FILE = [
  'apiVersion: meshferry.dev/v1alpha1',
  'kind: TrafficShift',
  'metadata: {name: ingress, namespace: shop}',
  'spec:',
  '  router:',
  '    lbWeight:',
  '      provider: ack',
  '      from: {service: istio-system/gw-old}',
  '      to: {service: istio-system/gw-new}',
  '  steps: [50, 100]',
  '  interval: 2s',
  '',
].join('\n');

/** A router whose only job here is to answer validate() with a script. */
function routerWith(problems: RouterProblem[]): Router {
  return {
    kind: 'lbWeight',
    reporter: 'source',
    validate: () => Promise.resolve(problems),
    read: (): Promise<LiveWeights> => Promise.reject(new Error('not read by preflight')),
    write: () => Promise.reject(new Error('not written by preflight')),
    finalize: () => Promise.resolve(),
  };
}

const file = parseTrafficShift(FILE, '/work/shop/ingress.yaml');
const opts = { allowSharedOwner: false, sharedOwnerRemedy: 'Do the remedy.' };
const shared: RouterProblem = { severity: 'warning', code: 'SharedOwner', owner: 'argocd', target: 'east/Service istio-system/gw-new', message: 'field manager "argocd" also owns it' };
const warning: RouterProblem = { severity: 'warning', target: 'east/Service istio-system/gw-old', field: 'metadata.annotations["x"]', message: 'has no vgroup-port' };

describe('preflightShift', () => {
  it('router errors are the file\'s, at the line of spec.router.<kind> (exit 2)', async () => {
    const err = await preflightShift(file, routerWith([{ severity: 'error', code: 'NotFound', target: 'east/Service istio-system/gw-new', message: 'Service istio-system/gw-new does not exist' }, warning]), opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputErrors);
    expect((err as InputErrors).exitCode).toBe(2);
    expect((err as InputErrors).message).toBe(
      '/work/shop/ingress.yaml: the TrafficShift does not fit the live objects (1 problem):\n  /work/shop/ingress.yaml:6:5: east/Service istio-system/gw-new: Service istio-system/gw-new does not exist (at spec.router.lbWeight)',
    );
  });

  it('another owner of the weights is refused (exit 2) with the caller\'s remedy, unless allowed; warnings come back', async () => {
    const err = await preflightShift(file, routerWith([shared, warning]), opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toBe("another field manager owns the weights' object, so its next sync would undo the shift: east/Service istio-system/gw-new (argocd). Do the remedy.");
    expect(await preflightShift(file, routerWith([shared, warning]), { ...opts, allowSharedOwner: true })).toEqual([shared, warning]);
    expect(await preflightShift(file, routerWith([warning]), opts)).toEqual([warning]);
  });

  it('the gate is the file\'s own Prometheus, none without gates', () => {
    expect(shiftGate(file.value.spec)).toBeUndefined();
    expect(shiftGate({ gates: { prometheus: { address: 'http://127.0.0.1:9090' }, checks: [] } })?.address).toBe('http://127.0.0.1:9090');
  });
});
