// The quiet check's queries and verdicts over recorded Prometheus answers (one table), and its PromQL quoting.
import { describe, expect, it } from 'vitest';
import { GateError } from '../../traffic/gates/gate.js';
import type { Series, VectorResult } from '../../traffic/gates/prometheus-response.js';
import { checkQuiet, counterQueries, promString, quietQuery, rangeSeconds, regexLiteral, type VectorGate } from './quiet.js';

/** The answers of one row: per query kind, the series (or an error). */
interface Answers {
  traffic?: Series[] | GateError;
  live?: Series[] | GateError;
  unchanged?: Series[] | GateError;
}

/** A Prometheus that answers the three queries of CounterSelection from a row, and records what it was asked. */
function recordedGate(answer: (query: string) => Answers): VectorGate & { asked: string[] } {
  const asked: string[] = [];
  return {
    address: 'http://127.0.0.1:9090',
    asked,
    queryVector(query: string): Promise<VectorResult> {
      asked.push(query);
      const a = answer(query);
      const kind = query.includes(' offset ') ? 'unchanged' : query.startsWith('count by') ? 'live' : query.startsWith('sum by') ? 'traffic' : undefined;
      if (!kind) throw new Error(`unexpected query ${query}`);
      const r = a[kind] ?? [];
      return Promise.resolve(r instanceof GateError ? { kind: 'error', error: r } : { kind: 'vector', series: r });
    },
  };
}

const dst = (ns: string, w: string, value: number, from = 'istio-system/istio-ingressgateway'): Series => {
  const [sns, sw] = from.split('/');
  return { labels: { destination_workload_namespace: ns, destination_workload: w, source_workload_namespace: sns!, source_workload: sw! }, value };
};
const count = (ns: string, w: string, n: number): Series => ({ labels: { destination_workload_namespace: ns, destination_workload: w }, value: n });

describe('quietQuery', () => {
  it('selects what reached the wave namespaces\' destination sidecars in the source cluster, per workload and caller, over the window', () => {
    expect(quietQuery({ namespaces: ['shop', 'payments', 'shop'], sourceCluster: 'tcm', window: '5m' })).toBe(
      'sum by (destination_workload_namespace, destination_workload, source_workload_namespace, source_workload) (increase(istio_requests_total{reporter="destination", destination_workload_namespace=~"payments|shop", destination_cluster="tcm"}[5m]))',
    );
  });

  it('quotes regex metacharacters and PromQL string escapes', () => {
    const q = quietQuery({ namespaces: ['a.b', 'c+d'], sourceCluster: 'we"ird\\id', window: '90s' });
    expect(q).toContain('destination_workload_namespace=~"a\\\\.b|c\\\\+d"');
    expect(q).toContain('destination_cluster="we\\"ird\\\\id"');
  });

  it('refuses no namespace and a window that is not one Prometheus range', () => {
    expect(() => quietQuery({ namespaces: [], sourceCluster: 'tcm', window: '5m' })).toThrow(RangeError);
    expect(() => quietQuery({ namespaces: ['shop'], sourceCluster: 'tcm', window: '1h30m' })).toThrow(RangeError);
  });

  it('the liveness and unchanged queries use the same selector, now and at the window\'s start', () => {
    const q = counterQueries({ selector: 'a="b"', thing: ['n', 'w'], peer: ['pn', 'pw'], window: '10m' });
    expect(q.live).toBe('count by (n, w) (istio_requests_total{a="b"})');
    expect(q.unchanged).toBe('count by (n, w) (istio_requests_total{a="b"} == istio_requests_total{a="b"} offset 10m)');
  });
});

describe('PromQL quoting and ranges', () => {
  it.each([
    ['5m', 300],
    ['90s', 90],
    ['1500ms', 1.5],
    ['2h', 7200],
  ])('%s is %d s', (w, s) => expect(rangeSeconds(w)).toBe(s));
  it.each(['0s', '5', '1h30m', '5 m', ''])('%j is refused', (w) => expect(() => rangeSeconds(w)).toThrow(RangeError));
  it('regexLiteral and promString', () => {
    expect(regexLiteral('a.b*c(d)|e')).toBe('a\\.b\\*c\\(d\\)\\|e');
    expect(promString('x"y\\z\nw')).toBe('"x\\"y\\\\z\\nw"');
  });
});

type Row = { name: string; namespaces: string[]; answers: Answers; verdict: 'quiet' | 'busy' | 'noData' | 'error'; evidence: RegExp[]; absent?: RegExp[] };

const rows: Row[] = [
  {
    name: 'nothing at all: not proven, naming the namespace',
    namespaces: ['shop'],
    answers: {},
    verdict: 'noData',
    evidence: [/^namespace shop in cluster tcm: not proven: Prometheus at http:\/\/127\.0\.0\.1:9090 scrapes no request counter of its workloads/],
  },
  {
    name: '0 requests, every live series unchanged since the window\'s start: quiet',
    namespaces: ['shop'],
    answers: { traffic: [dst('shop', 'frontend', 0)], live: [count('shop', 'frontend', 2)], unchanged: [count('shop', 'frontend', 2)] },
    verdict: 'quiet',
    evidence: [/^shop\/frontend in cluster tcm: 0 requests over 5m; 2 series scraped now, unchanged since the window's start$/],
  },
  {
    name: 'requests: busy, with the rate and the callers, largest first',
    namespaces: ['shop'],
    answers: {
      traffic: [dst('shop', 'frontend', 30, 'shop/cart'), dst('shop', 'frontend', 120), dst('shop', 'cart', 0)],
      live: [count('shop', 'frontend', 2), count('shop', 'cart', 1)],
      unchanged: [count('shop', 'cart', 1)],
    },
    verdict: 'busy',
    evidence: [/^shop\/frontend in cluster tcm: 150 requests over 5m \(0\.5\/s\), from istio-system\/istio-ingressgateway 0\.4\/s, shop\/cart 0\.1\/s$/, /^shop\/cart in cluster tcm: 0 requests over 5m/],
  },
  {
    name: 'NaN requests: not proven',
    namespaces: ['shop'],
    answers: { traffic: [dst('shop', 'frontend', NaN)], live: [count('shop', 'frontend', 1)], unchanged: [count('shop', 'frontend', 1)] },
    verdict: 'noData',
    evidence: [/shop\/frontend in cluster tcm: not proven: Prometheus answered NaN/],
  },
  {
    name: '0 requests but no series scraped now (targets gone): not proven',
    namespaces: ['shop'],
    answers: { traffic: [dst('shop', 'frontend', 0)] },
    verdict: 'noData',
    evidence: [/shop\/frontend in cluster tcm: not proven: no series of it is scraped now/, /^namespace shop in cluster tcm: not proven/],
  },
  {
    name: 'a live series not seen at the window\'s start (new, or a restarted proxy): not proven',
    namespaces: ['shop'],
    answers: { traffic: [dst('shop', 'frontend', 0)], live: [count('shop', 'frontend', 3)], unchanged: [count('shop', 'frontend', 2)] },
    verdict: 'noData',
    evidence: [/shop\/frontend in cluster tcm: not proven: 1 of its 3 series were not scraped at the window's start or changed since/],
  },
  {
    name: 'live series without two scrapes in the window: not proven',
    namespaces: ['shop'],
    answers: { live: [count('shop', 'frontend', 1)] },
    verdict: 'noData',
    evidence: [/shop\/frontend in cluster tcm: not proven: its series were not scraped twice within 5m/],
  },
  {
    name: 'one namespace quiet, the other never reported: not proven, naming the silent one',
    namespaces: ['shop', 'payments'],
    answers: { traffic: [dst('shop', 'frontend', 0)], live: [count('shop', 'frontend', 1)], unchanged: [count('shop', 'frontend', 1)] },
    verdict: 'noData',
    evidence: [/^namespace payments in cluster tcm: not proven/, /^shop\/frontend in cluster tcm: 0 requests/],
    absent: [/namespace shop /],
  },
  {
    name: 'busy in one namespace wins over no data in another',
    namespaces: ['shop', 'payments'],
    answers: { traffic: [dst('shop', 'frontend', 3)], live: [count('shop', 'frontend', 1)] },
    verdict: 'busy',
    evidence: [/^shop\/frontend in cluster tcm: 3 requests over 5m \(0\.01\/s\)/, /^namespace payments in cluster tcm: not proven/],
  },
  {
    name: 'a query Prometheus refuses: error, with its message',
    namespaces: ['shop'],
    answers: { traffic: [dst('shop', 'frontend', 0)], live: [count('shop', 'frontend', 1)], unchanged: new GateError('unreachable', 'Prometheus at http://127.0.0.1:9090, query "…": unreachable (ECONNREFUSED)') },
    verdict: 'error',
    evidence: [/^Prometheus at http:\/\/127\.0\.0\.1:9090, query "…": unreachable \(ECONNREFUSED\)$/],
  },
];

describe('checkQuiet', () => {
  it.each(rows)('$name', async (row) => {
    const gate = recordedGate(() => row.answers);
    const r = await checkQuiet(gate, { namespaces: row.namespaces, sourceCluster: 'tcm', window: '5m' });
    expect(r.verdict).toBe(row.verdict);
    expect(r.query).toBe(quietQuery({ namespaces: row.namespaces, sourceCluster: 'tcm', window: '5m' }));
    for (const re of row.evidence) expect(r.evidence.some((l) => re.test(l)), `${re} in\n${r.evidence.join('\n')}`).toBe(true);
    for (const re of row.absent ?? []) expect(r.evidence.some((l) => re.test(l)), `${re} not in\n${r.evidence.join('\n')}`).toBe(false);
    // The queries asked are in the evidence, the main one first.
    expect(r.evidence.filter((l) => l.startsWith('query: '))).toEqual(gate.asked.map((q) => `query: ${q}`));
    expect(gate.asked[0]).toBe(r.query);
  });
});

describe('checkQuiet with many workloads', () => {
  it('keeps the busy ones first and at most 20 lines, then counts the rest; the queries stay', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `w${String(i).padStart(2, '0')}`);
    const gate = recordedGate(() => ({
      traffic: names.map((w) => dst('shop', w, w === 'w29' ? 6 : 0)),
      live: names.map((w) => count('shop', w, 1)),
      unchanged: names.map((w) => count('shop', w, 1)),
    }));
    const r = await checkQuiet(gate, { namespaces: ['shop'], sourceCluster: 'tcm', window: '1m' });
    expect(r.verdict).toBe('busy');
    expect(r.evidence[0]).toMatch(/^shop\/w29 in cluster tcm: 6 requests over 1m \(0\.1\/s\)/);
    expect(r.evidence[20]).toBe('… and 10 more');
    expect(r.evidence.slice(21)).toHaveLength(3);
  });
});
