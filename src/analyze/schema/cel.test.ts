// The CEL subset against the rules Istio's CRDs actually use: holds, violated, or undecidable (never guessed).
import { describe, expect, it } from 'vitest';
import { evaluateRule, parseGoDuration } from './cel.js';

describe('evaluateRule', () => {
  it.each([
    ["duration(self) >= duration('1ms')", '5s', true],
    ["duration(self) >= duration('1ms')", '1h30m', true],
    ["duration(self) >= duration('1ms')", '500us', false],
    ["duration(self) >= duration('1ms')", '5 seconds', false],
    ['0 < self && self <= 65535', 8080, true],
    ['0 < self && self <= 65535', 70000, false],
    ['!self.contains("*")', 'app', true],
    ['!self.contains("*")', 'ap*', false],
    ['self.all(key, !key.contains("*"))', { app: 'x', 'k*': 'y' }, false],
    ['self.all(key, size(key) < 63 && key.matches("^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$"))', { http: 1, 'http-2': 2 }, true],
    ['self.all(key, size(key) < 63 && key.matches("^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$"))', { '-bad': 1 }, false],
    ['(has(self.selector) ? 1 : 0) + (has(self.targetRef) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1', { selector: {} }, true],
    ['(has(self.selector) ? 1 : 0) + (has(self.targetRef) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1', { selector: {}, targetRefs: [] }, false],
    ['self.all(l1, self.exists_one(l2, l1.number == l2.number))', [{ number: 80 }, { number: 443 }], true],
    ['self.all(l1, self.exists_one(l2, l1.number == l2.number))', [{ number: 80 }, { number: 80 }], false],
    ['self in ["", "HTTP", "HTTPS"]', 'HTTPS', true],
    ['self in ["", "HTTP", "HTTPS"]', 'TCP', false],
    ['self.all(key, 0 < int(key) && int(key) <= 65535)', { '8080': {} }, true],
    ['self.all(key, 0 < int(key) && int(key) <= 65535)', { http: {} }, false],
    ['url(self).getScheme() in ["http", "https"]', 'https://auth.example.com/jwks', true],
    ['url(self).getScheme() in ["http", "https"]', 'ftp://x', false],
    ['self.startsWith("unix://") ? (self.substring(7, 8) == "/" || self.substring(7, 8) == "@") : true', 'unix:///var/run/x.sock', true],
    ['self.startsWith("unix://") ? (self.substring(7, 8) == "/" || self.substring(7, 8) == "@") : true', 'unix://relative', false],
    ['((has(self.resolution) ? self.resolution : "NONE") == "NONE") ? !has(self.endpoints) : true', { endpoints: [{ address: '1.1.1.1' }] }, false],
    ['!((has(self.addresses) ? self.addresses : []).exists(k, k.contains("/")) && !((has(self.resolution) ? self.resolution : "NONE") in ["STATIC", "NONE"]))', { addresses: ['10.0.0.0/8'], resolution: 'DNS' }, false],
    ['has(self.wasm) != has(self.lua)', { wasm: {} }, true],
    ['has(self.wasm) != has(self.lua)', {}, false],
  ])('%s on %j → %s', (rule, self, want) => {
    expect(evaluateRule(rule, self)).toBe(want);
  });

  it.each([
    ['self.someMacro(x)', 'a'],
    ['self.value != ""', {}], // a missing field is a runtime error in CEL: undecidable, not a violation
    ['timestamp(self) > now()', '2020'],
    ['self +', 1],
  ])('leaves %s undecided', (rule, self) => {
    expect(evaluateRule(rule, self)).toBeUndefined();
  });
});

describe('parseGoDuration', () => {
  it.each([
    ['1h', 3600e9],
    ['1.5s', 1.5e9],
    ['2m30s', 150e9],
    ['100ms', 100e6],
    ['0', 0],
  ])('%s = %d ns', (s, ns) => expect(parseGoDuration(s)).toBe(ns));
  it.each(['5', '1d', 's', '-'])('rejects %s', (s) => expect(() => parseGoDuration(s)).toThrow(/invalid duration/));
});
