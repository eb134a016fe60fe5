// Bad MeshMigration files: each names file:line and what is wrong (exit 2).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MeshferryError } from '../errors.js';
import { parseMigration } from './load.js';
import { contextsOf, waveCluster, type MeshMigrationSpec } from './spec.js';

const good = `apiVersion: meshferry.dev/v1alpha1
kind: MeshMigration
metadata: {name: upgrade}
spec:
  mode: InPlace
  target: {revision: canary}
  waves:
  - {name: one, namespaces: [shop]}
`;

function problem(text: string, file = 'm.yaml'): string {
  try {
    parseMigration(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(MeshferryError);
    expect((err as MeshferryError).exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error('no error');
}

describe('MeshMigration files', () => {
  it('reads a good file', () => {
    expect(parseMigration(good, 'm.yaml').value.spec.waves[0]!.namespaces).toEqual(['shop']);
  });
  it('accepts config paths inside the file\'s folder, ./ and a/../b alike', () => {
    const text = good.replace('mode: InPlace', 'mode: InPlace\n  config: {from: ./a/../export, rules: rules.yaml}');
    expect(parseMigration(text, 'm.yaml').value.spec.config).toEqual({ from: './a/../export', rules: 'rules.yaml' });
  });
  it.each([
    ['unknown field', good.replace('mode: InPlace', 'mode: InPlace\n  colour: red'), /m\.yaml:6:\d+: .*colour/],
    ['wrong type', good.replace('{name: one, namespaces: [shop]}', '{name: one, namespaces: [shop], maxUnavailable: two}'), /m\.yaml:8:\d+: must be a whole number/],
    ['duplicate namespace', good.replace('{name: one, namespaces: [shop]}', '{name: one, namespaces: [shop]}\n  - {name: two, namespaces: [web, shop]}'), /m\.yaml:9:\d+: namespace "shop" appears twice: already in wave "one"/],
    ['two opt-ins', good.replace('mode: InPlace', 'mode: InPlace\n  optIn:\n    namespaceLabels: {istio.io/rev: canary}\n    tag: {name: prod}'), /m\.yaml:6:\d+: optIn takes exactly one of namespaceLabels, tag or podTemplateLabels, not namespaceLabels, tag/],
    ['source equals target', good.replace('mode: InPlace', 'mode: InPlace\n  source: {revision: canary}'), /m\.yaml:7:\d+: the target revision is the source revision/],
    ['a wave with nothing in it', good.replace('{name: one, namespaces: [shop]}', '{name: one}'), /m\.yaml:8:\d+: a wave names namespaces, gateways, or both/],
    ['config.from outside the file\'s folder', good.replace('mode: InPlace', 'mode: InPlace\n  config: {from: ../../etc/export}'), /m\.yaml:6:\d+: config\.from "\.\.\/\.\.\/etc\/export" leaves the folder of the MeshMigration file/],
    ['config.rules as an absolute path', good.replace('mode: InPlace', 'mode: InPlace\n  config:\n    from: ./export\n    rules: /etc/rules.yaml'), /m\.yaml:8:\d+: config\.rules "\/etc\/rules\.yaml" leaves the folder/],
    ['a bad gateway reference', good.replace('namespaces: [shop]', 'gateways: [ingress]'), /m\.yaml:8:\d+: .*namespace\/deployment/],
  ])('%s', (_name, text, want) => {
    expect(problem(text)).toMatch(want);
  });
});

// The plan's example file (docs/plan-cross-cluster.md, "The file"), one field per line so rows can point at lines.
const cross = readFileSync(new URL('./fixtures/cross-cluster.yaml', import.meta.url), 'utf8');

describe('CrossCluster files', () => {
  it('reads the plan\'s example file, and contextsOf lists its contexts once each, in file order', () => {
    const m = parseMigration(cross, 'x.yaml').value;
    expect(m.spec.waves.map((w) => [w.cluster, w.scaleDownSource])).toEqual([
      ['remote', { window: '5m' }],
      ['primary', true],
    ]);
    expect(contextsOf(m.spec)).toEqual(['tcm', 'primary', 'remote']);
    expect(m.spec.config).toEqual({ rules: './rules.yaml', analyze: { failOn: 'Error' } });
  });

  it('contextsOf: source, target, target.clusters, waves[].cluster, finish.oldGateways[].context, deduplicated', () => {
    const spec: MeshMigrationSpec = {
      mode: 'CrossCluster',
      source: { context: 'old' },
      target: { context: 'home', revision: 'r', clusters: ['b', 'home', 'a'] },
      waves: [{ name: 'w', namespaces: ['n'], cluster: 'c' }, { name: 'v', namespaces: ['m'], cluster: 'a' }],
      finish: { oldGateways: [{ context: 'old', workload: 'x/y' }, { context: 'edge', workload: 'x/y' }] },
    };
    expect(contextsOf(spec)).toEqual(['old', 'home', 'b', 'a', 'c', 'edge']);
    expect(contextsOf({ mode: 'InPlace', target: { revision: 'r' }, waves: [{ name: 'w', namespaces: ['n'] }] })).toEqual([]);
  });

  it('a wave without cluster moves to the one cluster target.clusters names', () => {
    const text = cross.replace('clusters: [primary, remote]', 'clusters: [remote]').replace(', cluster: remote', '').replace(', cluster: primary', '');
    const m = parseMigration(text, 'x.yaml').value;
    expect(m.spec.waves.map((w) => waveCluster(m.spec, w))).toEqual(['remote', 'remote']);
  });

  it('the same rules, durations and revisions in InPlace and CrossCluster: equal revisions are fine across clusters', () => {
    expect(parseMigration(cross.replace('revision: 1-31-1', 'revision: 1-18-5'), 'x.yaml').value.spec.target.revision).toBe('1-18-5');
  });

  it.each([
    ['no target.clusters', cross.replace(', clusters: [primary, remote]', ''), /x\.yaml:9:\d+: mode CrossCluster needs target\.clusters/],
    ['empty target.clusters', cross.replace('clusters: [primary, remote]', 'clusters: []'), /x\.yaml:9:\d+: .*at least 1/],
    ['a cluster named twice', cross.replace('clusters: [primary, remote]', 'clusters: [primary, remote, primary]'), /x\.yaml:9:\d+: cluster "primary" is named twice in target\.clusters/],
    ['the source among the target clusters', cross.replace('clusters: [primary, remote]', 'clusters: [primary, remote, tcm]'), /x\.yaml:9:\d+: target\.clusters names the source's context "tcm"/],
    ['no source context', cross.replace('context: tcm, revision: 1-18-5', 'revision: 1-18-5'), /x\.yaml:8:\d+: mode CrossCluster needs source\.context/],
    ['no target context', cross.replace('context: primary, revision: 1-31-1', 'revision: 1-31-1'), /x\.yaml:9:\d+: mode CrossCluster needs target\.context/],
    ['target context equal to the source', cross.replace('context: primary, revision: 1-31-1', 'context: tcm, revision: 1-31-1'), /x\.yaml:9:\d+: mode CrossCluster moves workloads to other clusters: the target context "tcm" is the source's/],
    ['a wave cluster not in target.clusters', cross.replace('cluster: remote', 'cluster: remote-2'), /x\.yaml:17:\d+: wave "shop" moves to cluster "remote-2", which target\.clusters does not name \(primary, remote\)/],
    ['a wave without cluster among two clusters', cross.replace(', cluster: primary', ''), /x\.yaml:18:\d+: wave "web" names no cluster: with 2 target\.clusters \(primary, remote\), say which one/],
    ['a wave of gateways only', cross.replace('{name: web, namespaces: [web]', '{name: web, gateways: [istio-system/gw]'), /x\.yaml:18:\d+: wave "web" names no namespaces[^]*x\.yaml:18:\d+: gateways belongs to mode InPlace/],
    ['maxUnavailable', cross.replace('{name: web, namespaces: [web]', '{name: web, namespaces: [web], maxUnavailable: 2'), /x\.yaml:18:\d+: maxUnavailable belongs to mode InPlace/],
    ['optIn.tag', cross.replace('  waves:', '  optIn: {tag: {name: prod}}\n  waves:'), /x\.yaml:16:\d+: optIn\.tag belongs to mode InPlace; in CrossCluster the target namespaces opt in with namespaceLabels only/],
    ['optIn.podTemplateLabels', cross.replace('  waves:', '  optIn:\n    podTemplateLabels: {istio.io/rev: x}\n  waves:'), /x\.yaml:17:\d+: optIn\.podTemplateLabels belongs to mode InPlace/],
    ['a shift path outside the folder', cross.replace('./shop-ingress-shift.yaml', '../shifts/shop.yaml'), /x\.yaml:17:\d+: shift file "\.\.\/shifts\/shop\.yaml" leaves the folder of the MeshMigration file/],
    ['an absolute shift path', cross.replace('./shop-ingress-shift.yaml', '/etc/shift.yaml'), /x\.yaml:17:\d+: shift file "\/etc\/shift\.yaml" leaves the folder/],
    ['rules outside the folder', cross.replace('rules: ./rules.yaml', 'rules: ../rules.yaml'), /x\.yaml:10:\d+: config\.rules "\.\.\/rules\.yaml" leaves the folder/],
    ['one shift in two waves', cross.replace('cluster: primary, scaleDownSource: true', 'cluster: primary, shifts: [./shop-ingress-shift.yaml]'), /x\.yaml:18:\d+: shift file "\.\/shop-ingress-shift\.yaml" is already run by wave "shop"/],
    ['a crossMeshPaths namespace that is not a name', cross.replace('from: shop, to: payments', 'from: shop/frontend, to: payments'), /x\.yaml:13:\d+: .*DNS label/],
    ['a crossMeshPaths entry to itself', cross.replace('from: shop, to: payments', 'from: shop, to: shop'), /x\.yaml:13:\d+: crossMeshPaths entry 1 goes from namespace "shop" to itself/],
    ['a crossMeshPaths via that is not namespace/name', cross.replace('via: istio-system/istio-egressgateway', 'via: egress'), /x\.yaml:13:\d+: .*namespace\/name/],
    ['a window in days (the file\'s durations are ms, s, m, h)', cross.replace('window: 168h', 'window: 7d'), /x\.yaml:14:\d+: .*a duration such as 90s, 10m or 168h \(units ms, s, m and h; no d or w: a week is 168h\)/],
    ['scaleDownSource as a string', cross.replace('scaleDownSource: true', 'scaleDownSource: "5m"'), /x\.yaml:18:\d+: .*(boolean|object)/],
    ['scaleDownSource without its window', cross.replace('scaleDownSource: {window: 5m}', 'scaleDownSource: {}'), /x\.yaml:17:\d+: .*window/],
    ['a loadBalancer choice that does not exist', cross.replace('loadBalancer: clusterIP', 'loadBalancer: nodePort'), /x\.yaml:17:\d+: .*clusterIP.*keep/],
    ['an unknown managed mesh', cross.replace('managed: tcm', 'managed: eks'), /x\.yaml:8:\d+: .*tcm.*asm.*csm/],
    ['an oldGateway without its context', cross.replace('oldGateways: [{context: tcm, workload', 'oldGateways: [{workload'), /x\.yaml:15:\d+: .*context/],
  ])('%s', (_name, text, want) => {
    expect(problem(text, 'x.yaml')).toMatch(want);
  });
});

describe('InPlace files refuse what belongs to CrossCluster', () => {
  const field = (line: string) => good.replace('  waves:', `${line}\n  waves:`);
  it.each([
    ['source.managed', good.replace('mode: InPlace', 'mode: InPlace\n  source: {managed: tcm}'), 6, 'source.managed'],
    ['source.clusterName', good.replace('mode: InPlace', 'mode: InPlace\n  source: {clusterName: c1}'), 6, 'source.clusterName'],
    ['target.clusters', good.replace('target: {revision: canary}', 'target: {revision: canary, clusters: [a]}'), 6, 'target.clusters'],
    ['workloads', field('  workloads: {copy: true}'), 7, 'workloads'],
    ['crossMeshPaths', field('  crossMeshPaths: [{from: a, to: b, via: x/y}]'), 7, 'crossMeshPaths'],
    ['callGraph', field('  callGraph: {window: 1h}'), 7, 'callGraph'],
    ['finish', field('  finish: {window: 10m}'), 7, 'finish'],
    ['waves[].cluster', good.replace('namespaces: [shop]}', 'namespaces: [shop], cluster: remote}'), 8, 'waves[0].cluster'],
    ['waves[].shifts', good.replace('namespaces: [shop]}', 'namespaces: [shop], shifts: [./s.yaml]}'), 8, 'waves[0].shifts'],
    ['waves[].scaleDownSource', good.replace('namespaces: [shop]}', 'namespaces: [shop], scaleDownSource: true}'), 8, 'waves[0].scaleDownSource'],
    ['waves[].services', good.replace('namespaces: [shop]}', 'namespaces: [shop], services: {keepNodePorts: true}}'), 8, 'waves[0].services'],
  ])('%s', (_name, text, line, shown) => {
    expect(problem(text)).toMatch(new RegExp(`m\\.yaml:${line}:\\d+: ${shown.replace(/[.[\]]/g, '\\$&')} belongs to mode CrossCluster \\(workloads moving to other clusters\\); mode InPlace has no use for it: remove it, or set mode: CrossCluster`));
  });

  it('InPlace still needs config.from (a cross-field rule now, not the schema), at the config\'s line', () => {
    expect(problem(good.replace('mode: InPlace', 'mode: InPlace\n  config: {rules: ./rules.yaml}'))).toMatch(/m\.yaml:6:\d+: config needs "from" in mode InPlace/);
  });

  it('InPlace keeps its one-cluster rule, and says where a move to another cluster belongs', () => {
    expect(problem(good.replace('target: {revision: canary}', 'source: {context: a}\n  target: {revision: canary, context: b}'))).toMatch(/m\.yaml:7:\d+: mode InPlace moves workloads within one cluster: .*use mode CrossCluster/);
  });

  it('an unknown mode names both', () => {
    expect(problem(good.replace('mode: InPlace', 'mode: OutOfPlace'))).toMatch(/m\.yaml:5:\d+: .*InPlace.*CrossCluster/);
  });
});
