// VirtualService rules istiod's validating webhook enforces beyond the CRD schema (istio pkg/config/validation ValidateVirtualService).
import type { KubeObject } from '../../resources/object.js';
import type { PathSegment } from '../../resources/resource-set.js';
import { asList, asMap, asNumber, asString, isSet, mapsIn, specOf, stringsIn, type JsonMap } from '../fields.js';
import { hostMatches, isWildcard } from '../hosts.js';
import { IssueList, checkExportTo, checkFqdn, checkPort, checkWildcardDomain, isDns1123Label, isIpAddress, type ValidationIssue } from './common.js';

const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'envoy-ratelimited', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);
const JWT_CLAIM_PREFIX = '@request.auth.claims';

/** Every webhook-level issue of a VirtualService. */
export function validateVirtualService(obj: KubeObject): ValidationIssue[] {
  const spec = specOf(obj);
  const issues = new IssueList();
  const ns = obj.metadata.namespace ?? 'default';
  const hosts = stringsIn(spec.hosts);
  const gateways = stringsIn(spec.gateways);
  const delegate = hosts.length === 0;
  if (delegate) {
    if (gateways.length) issues.error(['spec', 'gateways'], 'delegate virtual service must have no gateways specified');
    if (asList(spec.tls).length) issues.error(['spec', 'tls'], 'delegate virtual service must have no tls route specified');
    if (asList(spec.tcp).length) issues.error(['spec', 'tcp'], 'delegate virtual service must have no tcp route specified');
  }
  for (const [g, i] of gateways) checkGatewayName(issues, ['spec', 'gateways', i], g);
  const appliesToMesh = gateways.length === 0 || gateways.some(([g]) => g === 'mesh');

  if (appliesToMesh) {
    for (const [http, i] of mapsIn(spec.http))
      for (const [match, j] of mapsIn(http.match))
        for (const key of [...Object.keys(asMap(match.headers) ?? {}), ...Object.keys(asMap(match.withoutHeaders) ?? {})])
          if (key.startsWith(JWT_CLAIM_PREFIX))
            issues.error(['spec', 'http', i, 'match', j], `JWT claim based routing (key: ${key}) is only supported for gateway, found no gateways: [${gateways.map(([g]) => g).join(' ')}]`);
  }

  let allHostsValid = true;
  for (const [h, i] of hosts) {
    const err = h.startsWith('outbound_') && !appliesToMesh ? undefined : checkWildcardDomain(h);
    if (err && !isIpAddress(h)) {
      issues.error(['spec', 'hosts', i], err);
      allHostsValid = false;
    } else if (!err && appliesToMesh && h === '*') {
      issues.error(['spec', 'hosts', i], 'wildcard host * is not allowed for virtual services bound to the mesh gateway');
      allHostsValid = false;
    }
  }
  if (allHostsValid) {
    for (let a = 0; a < hosts.length; a++)
      for (let b = a + 1; b < hosts.length; b++) {
        const [ha] = hosts[a] as [string, number];
        const [hb, ib] = hosts[b] as [string, number];
        if (hostMatches(ha, hb)) issues.error(['spec', 'hosts', ib], `duplicate hosts in virtual service: ${ha} & ${hb}`);
      }
  }

  const http = mapsIn(spec.http);
  const tcp = mapsIn(spec.tcp);
  const tls = mapsIn(spec.tls);
  if (asList(spec.http).length === 0 && asList(spec.tcp).length === 0 && asList(spec.tls).length === 0) issues.error(['spec'], 'http, tcp or tls must be provided in virtual service');
  for (const [route, i] of http) validateHttpRoute(issues, ['spec', 'http', i], route, delegate);
  for (const [route, i] of tls) validateTlsRoute(issues, ['spec', 'tls', i], route, hosts.map(([h]) => h), !appliesToMesh);
  for (const [route, i] of tcp) validateRouteDestinations(issues, ['spec', 'tcp', i, 'route'], route.route);
  checkExportTo(issues, ['spec', 'exportTo'], ns, spec.exportTo);
  for (const [kind, routes] of [['http', http], ['tcp', tcp], ['tls', tls]] as const) unreachableRules(issues, kind, routes);
  return issues.items;
}

function checkGatewayName(issues: IssueList, path: PathSegment[], name: string): void {
  const slash = name.indexOf('/');
  if (slash < 0) {
    if (name.includes('.')) {
      const parts = name.split('.');
      issues.warn(path, `using legacy gatewayName format "${name}"; prefer the <namespace>/<name> format: "${parts[1]}/${parts[0]}"`);
    }
    issues.check(path, checkFqdn(name));
    return;
  }
  const gns = name.slice(0, slash);
  const gname = name.slice(slash + 1);
  if (!gns || !gname) issues.error(path, 'config namespace and gateway name cannot be empty');
  else {
    if (!isDns1123Label(gns)) issues.error(path, `invalid value for namespace: "${gns}"`);
    if (!isDns1123Label(gname)) issues.error(path, `invalid value for gateway name: "${gname}"`);
  }
}

function validateHttpRoute(issues: IssueList, path: PathSegment[], http: JsonMap, delegateVs: boolean): void {
  const has = (k: string) => isSet(http, k);
  const routes = asList(http.route);
  if (has('delegate') && !delegateVs) {
    const name = asString(http.name) ? `root HTTP route ${asString(http.name)}` : 'root HTTP route';
    if (has('redirect')) issues.error(path, `${name} must not specify redirect`);
    if (routes.length) issues.error(path, `${name} must not specify route`);
  } else {
    if (has('delegate') && delegateVs) issues.error([...path, 'delegate'], 'delegate HTTP route cannot contain delegate');
    if (has('redirect')) {
      if (routes.length) issues.error(path, 'HTTP route cannot contain both route and redirect');
      if (has('fault')) issues.error(path, 'HTTP route cannot contain both fault and redirect');
      if (has('rewrite')) issues.error(path, 'HTTP route rule cannot contain both rewrite and redirect');
      if (has('directResponse')) issues.error(path, 'HTTP route rule cannot contain both direct_response and redirect');
    } else if (has('directResponse')) {
      if (routes.length) issues.error(path, 'HTTP route cannot contain both route and direct_response');
      if (has('fault')) issues.error(path, 'HTTP route cannot contain both fault and direct_response');
      if (has('rewrite')) issues.error(path, 'HTTP route rule cannot contain both rewrite and direct_response');
    } else if (routes.length === 0) issues.error(path, 'HTTP route, redirect or direct_response is required');
    if (has('mirror') && asList(http.mirrors).length) issues.error(path, 'HTTP route cannot contain both mirror and mirrors');
  }

  for (const [match, j] of mapsIn(http.match)) {
    const port = asNumber(match.port);
    if (port !== undefined && port !== 0) issues.check([...path, 'match', j, 'port'], checkPort(port));
    const sns = asString(match.sourceNamespace);
    if (sns && !isDns1123Label(sns)) issues.error([...path, 'match', j, 'sourceNamespace'], `sourceNamespace match ${sns} is invalid`);
    for (const [g, k] of stringsIn(match.gateways)) checkGatewayName(issues, [...path, 'match', j, 'gateways', k], g);
  }

  const fault = asMap(http.fault);
  if (fault) validateFault(issues, [...path, 'fault'], fault);

  const mirrorPercent = asNumber(http.mirrorPercent) ?? asNumber(http.mirror_percent);
  if (mirrorPercent !== undefined && mirrorPercent > 100) issues.error([...path, 'mirrorPercent'], `mirror_percent must have a max value of 100 (it has ${mirrorPercent})`);
  const mp = asNumber(asMap(http.mirrorPercentage)?.value);
  if (mp !== undefined && (mp > 100 || mp < 0)) issues.error([...path, 'mirrorPercentage'], `mirror_percentage must be in 0..100 (it has ${mp})`);
  const mirror = asMap(http.mirror);
  if (mirror) validateDestination(issues, [...path, 'mirror'], mirror);
  for (const [m, k] of mapsIn(http.mirrors)) {
    const d = asMap(m.destination);
    if (!d) issues.error([...path, 'mirrors', k], 'destination is required for mirrors');
    else validateDestination(issues, [...path, 'mirrors', k, 'destination'], d);
    const v = asNumber(asMap(m.percentage)?.value);
    if (v !== undefined && (v > 100 || v < 0)) issues.error([...path, 'mirrors', k, 'percentage'], `mirror percentage must be in 0..100 (it has ${v})`);
  }

  const redirect = asMap(http.redirect);
  if (redirect) {
    if (!['uri', 'authority', 'port', 'derivePort', 'scheme'].some((k) => isSet(redirect, k)))
      issues.error([...path, 'redirect'], 'redirect must specify URI, authority, scheme, or port');
    const code = asNumber(redirect.redirectCode);
    if (code !== undefined && code !== 0 && (code < 300 || code > 399)) issues.error([...path, 'redirect', 'redirectCode'], `${code} is not a valid redirect code, must be 3xx`);
    const scheme = asString(redirect.scheme);
    if (scheme && scheme !== 'http' && scheme !== 'https') issues.error([...path, 'redirect', 'scheme'], 'invalid redirect scheme, must be "http" or "https"');
  }
  const direct = asMap(http.directResponse);
  const status = direct ? asNumber(direct.status) : undefined;
  if (status !== undefined && (status < 200 || status > 600)) issues.error([...path, 'directResponse', 'status'], `HTTP status ${status} is not in range 200-599`);

  const retries = asMap(http.retries);
  if (retries) {
    const attempts = asNumber(retries.attempts) ?? 0;
    if (attempts < 0) issues.error([...path, 'retries', 'attempts'], 'attempts cannot be negative');
    if (attempts === 0 && ['perTryTimeout', 'retryOn', 'retryRemoteLocalities'].some((k) => isSet(retries, k)))
      issues.error([...path, 'retries'], 'http retry policy configured when attempts are set to 0 (disabled)');
    const retryOn = asString(retries.retryOn);
    for (const policy of retryOn ? retryOn.split(',') : [])
      if (!RETRY_ON.has(policy) && !/^[1-5]\d\d$/.test(policy)) issues.error([...path, 'retries', 'retryOn'], `"${policy}" is not a valid retryOn policy`);
  }

  const rewrite = asMap(http.rewrite);
  if (rewrite) {
    if (isSet(rewrite, 'uri') && isSet(rewrite, 'uriRegexRewrite')) issues.error([...path, 'rewrite'], 'rewrite may only contain one of URI or UriRegexRewrite');
    if (!isSet(rewrite, 'uri') && !isSet(rewrite, 'uriRegexRewrite') && !isSet(rewrite, 'authority'))
      issues.error([...path, 'rewrite'], 'rewrite must specify at least one of URI, UriRegexRewrite, or authority');
  }
  validateRouteDestinations(issues, [...path, 'route'], http.route);
}

function validateFault(issues: IssueList, path: PathSegment[], fault: JsonMap): void {
  const abort = asMap(fault.abort);
  const delay = asMap(fault.delay);
  if (!abort && !delay) issues.error(path, 'HTTP fault injection must have an abort and/or a delay');
  if (abort) {
    checkPercentage(issues, [...path, 'abort', 'percentage'], abort.percentage);
    const httpStatus = asNumber(abort.httpStatus);
    if (httpStatus !== undefined && (httpStatus < 200 || httpStatus > 600)) issues.error([...path, 'abort', 'httpStatus'], `HTTP status ${httpStatus} is not in range 200-599`);
    if (isSet(abort, 'http2Error')) issues.error([...path, 'abort', 'http2Error'], 'HTTP/2 abort fault injection not supported yet');
    if (!['httpStatus', 'grpcStatus', 'http2Error'].some((k) => isSet(abort, k))) issues.warn([...path, 'abort'], 'abort configured, but error type not set');
  }
  if (delay) {
    checkPercentage(issues, [...path, 'delay', 'percentage'], delay.percentage);
    if (isSet(delay, 'exponentialDelay')) issues.error([...path, 'delay', 'exponentialDelay'], 'exponentialDelay not supported yet');
  }
}

function checkPercentage(issues: IssueList, path: PathSegment[], p: unknown): void {
  const v = asNumber(asMap(p)?.value);
  if (v !== undefined && (v < 0 || v > 100 || (v > 0 && v < 0.0001))) issues.error(path, `percentage ${v} is neither 0.0, nor in range [0.0001, 100.0]`);
}

function validateDestination(issues: IssueList, path: PathSegment[], d: JsonMap): void {
  const host = asString(d.host);
  if (host === '*') issues.error([...path, 'host'], `invalid destination host ${host}`);
  else if (host !== undefined) issues.check([...path, 'host'], checkWildcardDomain(host));
  const subset = asString(d.subset);
  if (subset !== undefined && subset !== '' && !isDns1123Label(subset)) issues.error([...path, 'subset'], `subset name is invalid: ${subset}`);
  const port = asNumber(asMap(d.port)?.number);
  if (port !== undefined) issues.check([...path, 'port', 'number'], checkPort(port));
}

/** Weights are relative since Istio 1.15; only a total of 0 across several destinations is rejected. */
function validateRouteDestinations(issues: IssueList, path: PathSegment[], route: unknown): void {
  const list = asList(route);
  let total = 0;
  for (const [rd, k] of mapsIn(route)) {
    const d = asMap(rd.destination);
    if (!d) issues.error([...path, k], 'destination is required');
    else validateDestination(issues, [...path, k, 'destination'], d);
    const w = asNumber(rd.weight) ?? 0;
    if (w < 0) issues.error([...path, k, 'weight'], `weight ${w} < 0`);
    total += w;
  }
  if (list.length > 1 && total === 0) issues.error(path, 'total destination weight = 0');
}

function validateTlsRoute(issues: IssueList, path: PathSegment[], tls: JsonMap, vsHosts: string[], boundToGateway: boolean): void {
  const matches = mapsIn(tls.match);
  if (asList(tls.match).length === 0) issues.error(path, 'TLS route must have at least one match condition');
  for (const [m, j] of matches) {
    const sni = stringsIn(m.sniHosts);
    if (sni.length === 0) issues.error([...path, 'match', j], 'TLS match must have at least one SNI host');
    for (const [h, k] of sni) {
      const at = [...path, 'match', j, 'sniHosts', k];
      const err = h.startsWith('outbound_') && boundToGateway ? undefined : checkWildcardDomain(h);
      if (err) {
        if (isIpAddress(h)) issues.warn(at, `using an IP address ("${h}") goes against SNI spec and most clients do not support this`);
        else issues.error(at, err);
        continue;
      }
      if (!vsHosts.some((vh) => sniSubsetOf(h, vh)))
        issues.error(at, `SNI host "${h}" is not a compatible subset of any of the virtual service hosts: [${vsHosts.join(', ')}]`);
    }
    const port = asNumber(m.port);
    if (port !== undefined && port !== 0) issues.check([...path, 'match', j, 'port'], checkPort(port));
  }
  if (asList(tls.route).length === 0) issues.error(path, 'TLS route is required');
  validateRouteDestinations(issues, [...path, 'route'], tls.route);
}

/** istio host.Name.SubsetOf: `a` is covered by `b`. */
function sniSubsetOf(a: string, b: string): boolean {
  if (isWildcard(a)) return isWildcard(b) && a.length >= b.length && a.slice(1).endsWith(b.slice(1));
  if (isWildcard(b)) return a.endsWith(b.slice(1));
  return a === b;
}

/** A route with no match catches everything, so later routes never run; a repeated match never wins either. */
function unreachableRules(issues: IssueList, kind: 'http' | 'tcp' | 'tls', routes: [JsonMap, number][]): void {
  const seen = new Map<string, number>();
  let catchAll = -1;
  for (const [route, i] of routes) {
    const name = asString(route.name) ? `${kind} "${asString(route.name)}"` : `${kind}[${i}]`;
    const matches = mapsIn(route.match);
    const report = (reason: string) => issues.items.push({ level: 'warning', path: ['spec', kind, i], message: `rule ${name} not used (${reason})`, unreachable: { rule: name, reason } });
    if (asList(route.match).length === 0) {
      if (catchAll >= 0) report('only the last rule can have no matches');
      catchAll = i;
      continue;
    }
    if (catchAll >= 0) {
      report('a rule without matches comes before it');
      continue;
    }
    let duplicates = 0;
    for (const [m] of matches) {
      // A match's name is a label, not routing: istio's asJSON clears it before comparing (pkg/config/validation).
      const { name: _label, ...routing } = m;
      const key = stableJson(routing);
      if (seen.has(key)) duplicates++;
      else seen.set(key, i);
    }
    if (matches.length > 0 && duplicates === matches.length) report('all its matches are used by earlier rules');
  }
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const m = asMap(v);
  if (m) return `{${Object.keys(m).sort().map((k) => `${JSON.stringify(k)}:${stableJson(m[k])}`).join(',')}}`;
  return JSON.stringify(v);
}
