// The TrafficShift file: the example loads; each bad file is exit 2 with file:line and the field.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ExitCode, MeshferryError } from '../../errors.js';
import { schemaUrl } from '../../resources/meshferry-file.js';
import { BUILTIN_METRICS } from '../gates/templates.js';
import { parseTrafficShift, stepsOf } from './spec.js';

const GOOD = `apiVersion: meshferry.dev/v1alpha1
kind: TrafficShift
metadata: {name: productcatalog-to-gke, namespace: default}
spec:
  router:
    virtualService:
      targets:
      - {context: cluster1, name: productcatalog-migration}
      - {context: cluster2, name: productcatalog-migration, to: {host: productcatalogservice-gke.default.global}}
      from: {host: productcatalogservice}
      to: {host: productcatalogservice-gke}
      routes: [main]
  steps: [10, 25, 50, 100]
  interval: 1m
  gates:
    prometheus: {address: http://127.0.0.1:9090}
    checks:
    - {metric: request-success-rate, min: 99}
    - {metric: request-duration-p99, max: 500}
    - {name: errors, query: 'sum(rate(x[{{ interval }}]))', max: 0.5}
    failureThreshold: 2
    noData: {verdict: hold, maxHold: 10m}
  rollback: {mode: gradual, steps: [25, 0]}
  retire: [{kind: ServiceEntry, name: productcatalogservice}]
`;

function rejected(text: string): MeshferryError {
  try {
    parseTrafficShift(text, 'shift.yaml');
  } catch (err) {
    if (err instanceof MeshferryError) return err;
    throw err;
  }
  throw new Error('expected the file to be rejected');
}

/** The GOOD file with one line replaced. */
const edit = (from: string, to: string): string => {
  expect(GOOD).toContain(from);
  return GOOD.replace(from, to);
};

describe('TrafficShift file', () => {
  test("the issue's example loads, with its plan", () => {
    const f = parseTrafficShift(GOOD, 'shift.yaml');
    expect(f.namespace).toBe('default');
    expect(f.plan).toEqual({
      steps: [10, 25, 50, 100],
      intervalMs: 60_000,
      failureThreshold: 2,
      consecutiveErrorLimit: 4,
      noData: { verdict: 'hold', maxHoldMs: 600_000 },
      rollback: { mode: 'gradual', steps: [25, 0] },
      rollbackIntervalMs: 60_000,
      gated: true,
    });
  });

  test('the lb-weight and httpRoute router shapes of the issue load', () => {
    const lb = edit(
      GOOD.slice(GOOD.indexOf('    virtualService:'), GOOD.indexOf('  steps:')),
      '    lbWeight: {provider: ack, from: {context: c, service: istio-system/istio-ingressgateway}, to: {context: c, service: istio-system/istio-ingressgateway-asm}}\n',
    );
    expect(parseTrafficShift(lb, 'lb.yaml').value.spec.router.lbWeight?.provider).toBe('ack');
    const hr = edit(
      GOOD.slice(GOOD.indexOf('    virtualService:'), GOOD.indexOf('  steps:')),
      '    httpRoute: {targets: [{context: c, name: shop}], from: {backendRef: cart-v1}, to: {backendRef: cart-v2}}\n',
    );
    expect(parseTrafficShift(hr, 'hr.yaml').value.spec.router.httpRoute?.targets).toEqual([{ context: 'c', name: 'shop' }]);
  });

  test('stepWeight + maxWeight make the steps; the last is maxWeight', () => {
    expect(stepsOf({ stepWeight: 20 })).toEqual([20, 40, 60, 80, 100]);
    expect(stepsOf({ stepWeight: 30, maxWeight: 50 })).toEqual([30, 50]);
    expect(stepsOf({ stepWeight: 1, maxWeight: 3 })).toEqual([1, 2, 3]);
    expect(stepsOf({ stepWeight: 1, maxWeight: 1 })).toEqual([1]);
  });

  test("the schema's metric names are the built-in templates", () => {
    const schema = JSON.parse(readFileSync(schemaUrl('TrafficShift'), 'utf8')) as { properties: { spec: { properties: { gates: { properties: { checks: { items: { properties: { metric: { enum: string[] } } } } } } } } } };
    expect(schema.properties.spec.properties.gates.properties.checks.items.properties.metric.enum).toEqual([...BUILTIN_METRICS]);
  });

  const bad: [string, string, string][] = [
    ['an unknown field', edit('  interval: 1m', '  interval: 1m\n  intervall: 2m'), 'shift.yaml:15:3: unknown field "intervall" (did you mean interval?); expected router, steps'],
    ['a fractional step (weights are whole percents)', edit('[10, 25, 50, 100]', '[10, 25.5, 100]'), 'shift.yaml:13:15: must be a whole number, not a number (25.5) (at spec.steps[1])'],
    ['a wrong type', edit('failureThreshold: 2', 'failureThreshold: two'), 'shift.yaml:21:5: must be a whole number, not a string ("two") (at spec.gates.failureThreshold)'],
    ['a step above 100', edit('[10, 25, 50, 100]', '[10, 25, 50, 150]'), 'shift.yaml:13:23: must be at most 100, not 150 (at spec.steps[3])'],
    ['steps not ascending', edit('[10, 25, 50, 100]', '[10, 50, 25, 100]'), 'shift.yaml:13:19: steps must ascend: 25 follows 50 (at spec.steps[2])'],
    ['a sum of weights 0', edit('[10, 25, 50, 100]', '[0, 0]'), 'shift.yaml:13:3: the sum of the step weights is 0: this shift would never send traffic to "to" (at spec.steps)'],
    ['stepWeight 0', edit('  steps: [10, 25, 50, 100]', '  stepWeight: 0'), 'shift.yaml:13:3: stepWeight is 0 (the sum of weights is 0)'],
    ['an unknown metric', edit('metric: request-success-rate', 'metric: request-sucess-rate'), 'shift.yaml:18:8: unknown metric "request-sucess-rate" (did you mean request-success-rate?); expected one of: request-duration-p99, request-success-rate (at spec.gates.checks[0].metric)'],
    ['both steps and stepWeight', edit('  steps: [10, 25, 50, 100]', '  steps: [10, 25, 50, 100]\n  stepWeight: 10'), 'shift.yaml:4:1: give either steps, or stepWeight (exactly one of these) (at spec)'],
    ['a bad duration', edit('interval: 1m', 'interval: 1 minute'), 'shift.yaml:14:3: must be a duration such as 30s, 1m, 1m30s or 500ms, not "1 minute" (at spec.interval)'],
    ['a zero duration', edit('maxHold: 10m', 'maxHold: 0s'), 'shift.yaml:22:29: must be longer than 0, not "0s" (at spec.gates.noData.maxHold)'],
    ['two router kinds', edit('  steps:', '    httpRoute: {targets: [{context: c, name: shop}], from: {backendRef: a}, to: {backendRef: b}}\n  steps:'), 'give either virtualService, or lbWeight, or httpRoute (exactly one of these) (at spec.router)'],
    ['a check without bounds', edit('{metric: request-duration-p99, max: 500}', '{metric: request-duration-p99}'), 'shift.yaml:19:7: give at least one of min, max (at spec.gates.checks[1])'],
    ['a query without a name', edit("{name: errors, query: 'sum(rate(x[{{ interval }}]))', max: 0.5}", "{query: 'up', max: 0.5}"), 'shift.yaml:20:7: give either metric, or name and query (exactly one of these) (at spec.gates.checks[2])'],
    ['rollback steps not ending at 0', edit('steps: [25, 0]}', 'steps: [25, 5]}'), 'shift.yaml:23:41: the last rollback step must be 0 (all traffic back on "from") (at spec.rollback.steps[1])'],
    ['gradual rollback without steps', edit('{mode: gradual, steps: [25, 0]}', '{mode: gradual}'), 'shift.yaml:23:3: missing field "steps" (at spec.rollback)'],
    ['a generic lb-weight without its annotation key', edit(GOOD.slice(GOOD.indexOf('    virtualService:'), GOOD.indexOf('  steps:')), '    lbWeight: {provider: generic, from: {service: a}, to: {service: b}}\n'), 'missing field "annotation" (at spec.router.lbWeight)'],
    ['a Prometheus address with a password', edit('http://127.0.0.1:9090', 'http://u:p@127.0.0.1:9090'), 'shift.yaml:16:18: the Prometheus address must not carry a user or password (at spec.gates.prometheus.address)'],
    ['an lb-weight service that is not a Service name', edit(GOOD.slice(GOOD.indexOf('    virtualService:'), GOOD.indexOf('  steps:')), '    lbWeight: {provider: ack, from: {context: c, service: Gw}, to: {context: c, service: istio-system/gw2}}\n'), `must be namespace/name of a Service (or a name in the shift's namespace), e.g. istio-system/istio-ingressgateway, not "Gw"`],
    ['the same VirtualService twice in one context', edit('{context: cluster2, name: productcatalog-migration, to:', '{context: cluster1, name: productcatalog-migration, to:'), 'shift.yaml:9:9: a second target for VirtualService default/productcatalog-migration in context cluster1 (the first is targets[0]); name each object once (at spec.router.virtualService.targets[1])'],
    ['the same Service in two lb-weight pairs', edit(GOOD.slice(GOOD.indexOf('    virtualService:'), GOOD.indexOf('  steps:')), '    lbWeight:\n      provider: ack\n      targets:\n      - {from: {context: c, service: old}, to: {context: c, service: new}}\n      - {from: {context: c, service: old}, to: {context: d, service: new}}\n'), 'shift.yaml:10:10: Service old in context c is already in targets[0]; name each Service once (at spec.router.lbWeight.targets[1].from)'],
  ];
  test.each(bad)('%s: exit 2 with file:line', (_name, text, message) => {
    const err = rejected(text);
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.code).toBe('InvalidTrafficShift');
    expect(err.message).toContain(message);
  });
});

test('the same object name in two contexts is two targets, not a duplicate', () => {
  expect(parseTrafficShift(GOOD, 'shift.yaml').value.spec.router.virtualService?.targets).toHaveLength(2);
});
