// Reading remotePilotAddress from the live east-west gateway Service (stubbed reader; the CLI backs it with src/kube).
import { describe, expect, it } from 'vitest';
import { ClusterError, UsageError } from '../errors.js';
import type { KubeObject } from '../resources/object.js';
import { loadBalancerAddress, resolvePilotAddresses, type ServiceReader } from './pilot-address.js';
import type { ClusterSpec, MeshTopology } from './topology.js';

const svc = (ingress: unknown[]): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'istio-eastwestgateway', namespace: 'istio-system' }, status: { loadBalancer: { ingress } } });

const p = (name: string): ClusterSpec => ({ name, role: 'primary', network: 'n', provider: 'tke', externalIstiod: true, eastWestGateway: {} });
const r = (name: string, primary: string, address?: string): ClusterSpec => ({ name, role: 'remote', primary, network: 'n', provider: 'tke', ...(address ? { remotePilotAddress: address } : {}) });
const topo = (clusters: ClusterSpec[]): MeshTopology => ({ apiVersion: 'meshferry.dev/v1alpha1', kind: 'MeshTopology', metadata: { name: 't' }, spec: { istio: { version: '1.31.1' }, meshID: 'm', clusters } });

describe('loadBalancerAddress', () => {
  it.each<[string, unknown[], string | undefined]>([
    ['an IP', [{ ip: '10.0.250.58' }], '10.0.250.58'],
    ['a host name (AWS NLB)', [{ hostname: 'k8s-istio-abc.elb.eu-west-1.amazonaws.com' }], 'k8s-istio-abc.elb.eu-west-1.amazonaws.com'],
    ['the first usable entry', [{}, { ip: '10.1.1.1' }], '10.1.1.1'],
    ['nothing yet', [], undefined],
  ])('%s', (_n, ingress, want) => expect(loadBalancerAddress(svc(ingress))).toBe(want));
});

describe('resolvePilotAddresses', () => {
  const reader = (result: KubeObject | undefined): ServiceReader & { calls: string[] } => {
    const calls: string[] = [];
    const fn = async (ns: string, name: string) => {
      calls.push(`${ns}/${name}`);
      return result;
    };
    return Object.assign(fn, { calls });
  };

  it('fills every remote of the primary that lacks an address, reading istio-system/istio-eastwestgateway', async () => {
    const read = reader(svc([{ ip: '10.2.2.2' }]));
    const got = await resolvePilotAddresses(topo([p('p1'), r('r1', 'p1'), r('r2', 'p1', '10.9.9.9')]), read, 'ctx');
    expect(got).toEqual({ r1: '10.2.2.2' });
    expect(read.calls).toEqual(['istio-system/istio-eastwestgateway']);
  });
  it('reads nothing when every remote has an address', async () => {
    const read = reader(undefined);
    expect(await resolvePilotAddresses(topo([p('p1'), r('r1', 'p1', '10.0.0.1')]), read, 'ctx')).toEqual({});
    expect(read.calls).toEqual([]);
  });
  it('fails with exit 3 when the Service is missing or has no address yet', async () => {
    await expect(resolvePilotAddresses(topo([p('p1'), r('r1', 'p1')]), reader(undefined), 'ctx')).rejects.toMatchObject({ code: 'EastWestGatewayMissing', exitCode: 3 });
    await expect(resolvePilotAddresses(topo([p('p1'), r('r1', 'p1')]), reader(svc([])), 'ctx')).rejects.toBeInstanceOf(ClusterError);
  });
  it('refuses to guess for remotes of two primaries (one --context reads one primary)', async () => {
    await expect(resolvePilotAddresses(topo([p('p1'), p('p2'), r('r1', 'p1'), r('r2', 'p2')]), reader(svc([{ ip: '1.1.1.1' }])), 'ctx')).rejects.toBeInstanceOf(UsageError);
  });
});
