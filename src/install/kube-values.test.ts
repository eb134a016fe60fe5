// The API server's value rules, row by row: each accepts what k8s.io/apimachinery accepts and refuses what it refuses.
import { describe, expect, it } from 'vitest';
import {
  annotationKeyProblems,
  annotationsSizeProblems,
  dns1035LabelProblems,
  dns1123LabelProblems,
  dns1123SubdomainProblems,
  endpointIpProblems,
  externalNameProblems,
  labelValueProblems,
  qualifiedNameProblems,
} from './kube-values.js';
import { remotePilotAddressProblems } from './topology-values.js';

type Rule = (v: string) => string[];
const x = (n: number, c = 'a') => c.repeat(n);

/** [rule, accepted values, refused values]; rows mirror validation_test.go of apimachinery where it has them. */
const TABLE: [string, Rule, string[], string[]][] = [
  [
    'label value (IsValidLabelValue)',
    labelValueProblems,
    ['', 'simple', 'now-with-dashes', '1-starts-with-num', 'end-with-num-1', '1234', 'a_b.c-d', 'MixedCase', x(63)],
    ['net 1', 'nospecialchars%^=@', 'Tama-nui-te-rā', '-leading', 'trailing.', '_under', x(64), 'a/b', 'with\nnewline'],
  ],
  [
    'DNS-1123 label (IsDNS1123Label)',
    dns1123LabelProblems,
    ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', x(63)],
    ['', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2', '.', 'a.', '.a', 'a.b', '1.', '.1', '1.2', ' ', 'a ', ' a', 'a b', x(64)],
  ],
  [
    'DNS-1123 subdomain (IsDNS1123Subdomain)',
    dns1123SubdomainProblems,
    ['a', 'ab', 'a1', 'a-1', '0', '1a', 'a.a', 'ab.ab', 'a1.a1', 'a-1.a-1', '0.0', '1a.1a', 'a--1--2--b.a--1--2--b', `${x(63)}.${x(63)}.${x(63)}.${x(61)}`],
    ['', 'A', 'a-', '-a', 'a_b', 'a..b', '.a', 'a.', 'a b', `${x(63)}.${x(63)}.${x(63)}.${x(62)}`],
  ],
  [
    'DNS-1035 label (IsDNS1035Label: Service names)',
    dns1035LabelProblems,
    ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', x(63)],
    ['0', '01', '1a', '1-a', '', 'A', 'a-', '-a', 'a.b', 'a_b', x(64)],
  ],
  [
    'qualified name (IsQualifiedName: label keys)',
    qualifiedNameProblems,
    ['simple', 'now-with-dashes', '1-starts-with-num', '1234', 'simple/simple', 'now-with-dashes/simple', 'now-with-dashes/now-with-dashes', 'now.with.dots/simple', 'now-with.dashes-and.dots/simple', '1-num.2-num/3-num', '1234/5678', '1.2.3.4/5678', 'Uppercase_Is_OK_123', 'example.com/Uppercase_Is_OK_123', 'requests.storage-foo', x(63), `${x(253)}/${x(63)}`],
    ['nospecialchars%^=@', 'cantendwithadash-', '-cantstartwithadash-', 'only/one/slash', 'Example.com/abc', 'example_com/abc', 'example.com/', '/simple', x(64), `${x(254)}/abc`, ''],
  ],
  [
    'annotation key (ValidateAnnotations: a qualified name, case aside)',
    annotationKeyProblems,
    ['service.beta.kubernetes.io/aws-load-balancer-type', 'Example.com/abc', 'a'],
    ['example.com/a b', 'a/b/c', '', 'x/'],
  ],
  [
    'endpoint IP (IsValidIPForLegacyField strict + ValidateEndpointIP)',
    endpointIpProblems,
    ['10.0.0.1', '1.2.3.4', '2001:db8::ffff', 'fd00::1', '2001:db8:0:1::1', '2001:db8::1:0:0:1', '1:0:1:0:1:0:1:0'],
    ['2001:db8:0:0:0:0:0:1', '2001:DB8::1', '2001:0db8::1', '2001:db8:0:0:1::1', '2001:db8::0:1', '::1.2.3.4', 'not an address!', '010.0.0.1', '1.2.3', '1.2.3.256', '::ffff:1.2.3.4', '0.0.0.0', '::', '127.0.0.1', '::1', '169.254.1.1', 'fe80::1', '224.0.0.5', 'ff02::1', 'fe80::1%eth0', ''],
  ],
  [
    'ExternalName (a DNS-1123 subdomain after a trailing dot)',
    externalNameProblems,
    ['istiod.example.com', 'istiod.example.com.', 'eastwest-gw', 'a.b.c'],
    ['not an address!', 'Istiod.Example.com', '', '.', 'a..b', 'host_name.example.com'],
  ],
  [
    'remotePilotAddress (Istio remote chart: EndpointSlice IP or ExternalName, no port)',
    remotePilotAddressProblems,
    ['10.0.0.1', '2001:db8::1', 'eastwest.example.com', 'lb-123.elb.amazonaws.com'],
    ['not an address!', '10.0.0.1:15012', 'eastwest.example.com:15012', '[2001:db8::1]:15012', '127.0.0.1', '10.0.0', '0.0.0.0', 'Host.Example.com', 'https://eastwest.example.com'],
  ],
];

describe.each(TABLE)('%s', (_name, rule, good, bad) => {
  it.each(good.map((v) => [JSON.stringify(v), v] as const))('accepts %s', (_s, v) => {
    expect(rule(v)).toEqual([]);
  });
  it.each(bad.map((v) => [JSON.stringify(v).slice(0, 60), v] as const))('refuses %s, saying why', (_s, v) => {
    const reasons = rule(v);
    expect(reasons.length).toBeGreaterThan(0);
    for (const r of reasons) expect(r).toMatch(/^(must|may|name part|prefix part|has|is|looks) /);
  });
});

describe('annotation size (ValidateAnnotationsSize)', () => {
  it('accepts 256 KiB of keys and values together, and refuses one byte more', () => {
    const limit = 256 * 1024;
    expect(annotationsSizeProblems({ k: x(limit - 1) })).toEqual([]);
    expect(annotationsSizeProblems({ k: x(limit) })).toEqual([`keys and values together are ${limit + 1} bytes; the limit is ${limit}`]);
  });
  it('counts bytes, as Go does, not UTF-16 units', () => {
    expect(labelValueProblems('ü'.repeat(32))).toContain('must be no more than 63 bytes');
  });
});
