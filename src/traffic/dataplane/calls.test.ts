import { describe, expect, it } from 'vitest';
import { callsFrom, checkCalls, parseCall, unreachedCallers } from './calls.js';

const w = (ref: string) => ({ namespace: ref.split('/')[0]!, workload: ref.split('/')[1]! });
const calls = (...flags: string[]) => flags.map(parseCall);
/** `src@cluster -> dst@cluster`, one per call request. */
const edges = (reached: string, cluster: string, flags: string[]) =>
  callsFrom(w(reached), cluster, calls(...flags)).map((r) => `${r.source.namespace}/${r.source.workload}@${r.source.cluster} -> ${r.destination.namespace}/${r.destination.workload}@${r.destination.cluster}`);

describe('parseCall', () => {
  it.each([
    { raw: 'shop/frontend=payments/payments', want: { caller: w('shop/frontend'), callee: { ...w('payments/payments'), service: 'payments' } } },
    { raw: 'shop/frontend=payments/payments@remote', want: { caller: w('shop/frontend'), callee: { ...w('payments/payments'), service: 'payments' }, cluster: 'remote' } },
    { raw: 'a.b/c-1=d/e@Kubernetes', want: { caller: w('a.b/c-1'), callee: { ...w('d/e'), service: 'e' }, cluster: 'Kubernetes' } },
  ])('$raw', ({ raw, want }) => {
    expect(parseCall(raw)).toEqual(want);
  });

  it.each([
    { raw: 'shop/frontend', want: /expected CALLER=CALLEE\[@CLUSTER\]/ },
    { raw: 'frontend=payments/payments', want: /"frontend" is not NAMESPACE\/WORKLOAD/ },
    { raw: 'shop/frontend=payments', want: /"payments" is not NAMESPACE\/WORKLOAD/ },
    { raw: 'shop/frontend=a/b/c', want: /"a\/b\/c" is not NAMESPACE\/WORKLOAD/ },
    { raw: 'Shop/frontend=a/b', want: /"Shop\/frontend" is not NAMESPACE\/WORKLOAD/ },
    { raw: 'shop/frontend=a/b@', want: /"" is not a cluster id/ },
    { raw: 'shop/frontend=a/b@x,y', want: /"x,y" is not a cluster id/ },
  ])('refuses $raw', ({ raw, want }) => {
    expect(() => parseCall(raw)).toThrow(want);
  });
});

describe('checkCalls', () => {
  it.each([
    { name: 'none', flags: [] as string[] },
    { name: 'a chain', flags: ['a/a=b/b', 'b/b=c/c'] },
    { name: 'a diamond (two paths to one callee is not a loop)', flags: ['a/a=b/b', 'a/a=c/c', 'b/b=d/d', 'c/c=d/d'] },
  ])('accepts $name', ({ flags }) => {
    expect(() => checkCalls(calls(...flags))).not.toThrow();
  });

  it.each([
    { name: 'a self-call', flags: ['a/a=a/a'], want: /--call makes a loop: a\/a → a\/a/ },
    { name: 'a loop of two', flags: ['a/a=b/b', 'b/b=a/a'], want: /--call makes a loop: a\/a → b\/b → a\/a/ },
    { name: 'a loop behind a chain, named from where it closes', flags: ['x/x=a/a', 'a/a=b/b', 'b/b=c/c', 'c/c=a/a'], want: /--call makes a loop: a\/a → b\/b → c\/c → a\/a;/ },
    { name: 'a loop through another cluster', flags: ['a/a=b/b@remote', 'b/b=a/a'], want: /loop: a\/a → b\/b → a\/a/ },
    { name: 'the same call twice', flags: ['a/a=b/b', 'a/a=b/b@remote'], want: /--call a\/a=b\/b is given twice/ },
  ])('refuses $name', ({ flags, want }) => {
    expect(() => checkCalls(calls(...flags))).toThrow(want);
  });
});

describe('callsFrom', () => {
  it.each([
    { name: 'no call from the reached workload', reached: 'shop/frontend', cluster: 'tcm', flags: ['x/x=y/y'], want: [] },
    { name: 'one call: the callee follows the caller\'s cluster', reached: 'shop/frontend', cluster: 'tcm', flags: ['shop/frontend=payments/payments'], want: ['shop/frontend@tcm -> payments/payments@tcm'] },
    { name: 'the same call from the other side', reached: 'shop/frontend', cluster: 'remote', flags: ['shop/frontend=payments/payments'], want: ['shop/frontend@remote -> payments/payments@remote'] },
    {
      name: 'a chain, depth first in flag order',
      reached: 'shop/frontend',
      cluster: 'tcm',
      flags: ['shop/frontend=shop/cart', 'shop/cart=payments/payments', 'shop/frontend=shop/ads'],
      want: ['shop/frontend@tcm -> shop/cart@tcm', 'shop/cart@tcm -> payments/payments@tcm', 'shop/frontend@tcm -> shop/ads@tcm'],
    },
    {
      name: 'a pinned hop: its callee and everything after it run in the named cluster',
      reached: 'shop/frontend',
      cluster: 'tcm',
      flags: ['shop/frontend=shop/cart@remote', 'shop/cart=payments/payments'],
      want: ['shop/frontend@tcm -> shop/cart@remote', 'shop/cart@remote -> payments/payments@remote'],
    },
    {
      name: 'reached mid-chain: only what follows',
      reached: 'shop/cart',
      cluster: 'tcm',
      flags: ['shop/frontend=shop/cart', 'shop/cart=payments/payments'],
      want: ['shop/cart@tcm -> payments/payments@tcm'],
    },
    {
      name: 'a diamond calls the shared callee once per path',
      reached: 'a/a',
      cluster: 'k',
      flags: ['a/a=b/b', 'a/a=c/c', 'b/b=d/d', 'c/c=d/d'],
      want: ['a/a@k -> b/b@k', 'b/b@k -> d/d@k', 'a/a@k -> c/c@k', 'c/c@k -> d/d@k'],
    },
  ])('$name', ({ reached, cluster, flags, want }) => {
    expect(edges(reached, cluster, flags)).toEqual(want);
  });

  it('names the callee\'s Service after its workload', () => {
    expect(callsFrom(w('shop/frontend'), 'k', calls('shop/frontend=payments/payments'))[0]!.destination).toEqual({ workload: 'payments', namespace: 'payments', service: 'payments', cluster: 'k' });
  });
});

describe('unreachedCallers', () => {
  it.each([
    { name: 'a caller that is an entry', flags: ['shop/frontend=payments/payments'], entries: ['shop/frontend'], want: [] },
    { name: 'a chain from an entry', flags: ['shop/frontend=shop/cart', 'shop/cart=payments/payments'], entries: ['shop/frontend'], want: [] },
    { name: 'a typo', flags: ['shop/frontnd=payments/payments'], entries: ['shop/frontend'], want: ['shop/frontnd'] },
    { name: 'a chain hanging off a typo is unreached all along', flags: ['shop/frontnd=shop/cart', 'shop/cart=payments/payments'], entries: ['shop/frontend'], want: ['shop/frontnd', 'shop/cart'] },
  ])('$name', ({ flags, entries, want }) => {
    expect(unreachedCallers(calls(...flags), entries.map(w))).toEqual(want);
  });
});
