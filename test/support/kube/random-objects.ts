// Deterministic random Kubernetes-shaped documents full of strings YAML writers and readers get wrong.
import type { KubeObject } from '../../../src/resources/object.js';

/** A small deterministic PRNG (mulberry32), so a failure reproduces from its seed. */
export function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Strings YAML writers get wrong: YAML 1.1 words, numbers in disguise, indicators, spaces, quotes, newlines. */
export const TRICKY = [
  '', ' ', 'yes', 'No', 'ON', 'off', 'y', 'N', 'true', 'False', 'null', 'Null', '~', '0777', '0o17', '0x1F', '0b101', '1.10', '1e3', '-1', '+1',
  '.5', '1_000', '1:20', '12:30:45', '2026-01-01', '2026-01-01T10:00:00Z', '.inf', '-.Inf', '.nan', '=', '<<', '-', '- a', '? x', ': x', '@x',
  '`x', '%x', '!x', '&a', '*a', '|', '>', "'q'", '"q"', 'a: b', 'a:b', 'a #b', 'a#b', '#x', '{a}', '[a]', 'a,b', 'a, b', ' lead', 'trail ',
  'two\nlines', 'end\n', '\ttab', 'tab\tin', 'é', '日本', 'emoji 🙂', 'back\\slash', 'nul\u0001', 'istio-system/*', './*', '*.example.com',
  'function envoy_on_request(h) end', 'https://issuer.example/jwks', 'oci://registry/x:1.0', 'type.googleapis.com/envoy.x.v3.Lua',
  '10.0.0.1', '10.0.0.0/8', '::1', 'fe80::1%eth0', '5s', '100ms', '25%', 'v1', 'ISTIO_MUTUAL', 'x-canary', 'a.b-c_d/e',
];

function randomValue(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth > 4 || r < 0.45) {
    const s = rand();
    if (s < 0.55) return TRICKY[Math.floor(rand() * TRICKY.length)];
    if (s < 0.7) return Math.floor(rand() * 2000) - 1000;
    if (s < 0.78) return Math.round(rand() * 1e6) / 1e3;
    if (s < 0.86) return rand() < 0.5;
    if (s < 0.9) return null;
    return `name-${Math.floor(rand() * 1e6)}`;
  }
  if (r < 0.7) {
    const n = Math.floor(rand() * 4);
    return Array.from({ length: n }, () => randomValue(rand, depth + 1));
  }
  const n = Math.floor(rand() * 5);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const key = rand() < 0.3 ? (TRICKY[Math.floor(rand() * TRICKY.length)] as string) : `k${Math.floor(rand() * 50)}`;
    out[key] = randomValue(rand, depth + 1);
  }
  return out;
}

export function randomObject(seed: number): KubeObject {
  const rand = prng(seed);
  const labels: Record<string, string> = {};
  for (let i = 0; i < 3; i++) labels[`l${i}.example.com/${TRICKY[Math.floor(rand() * TRICKY.length)] ?? ''}`.trim()] = TRICKY[Math.floor(rand() * TRICKY.length)] as string;
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: `r-${seed}`, namespace: 'ns', labels }, spec: randomValue(rand, 0) };
}


