// EnvoyFilter rules istiod's validating webhook enforces beyond the CRD schema (istio pkg/config/validation/envoyfilter).
import type { KubeObject } from '../../resources/object.js';
import { asMap, asString, mapsIn, specOf, type JsonMap } from '../fields.js';
import { IssueList, type ValidationIssue } from './common.js';

const LISTENER_CLASS = new Set(['LISTENER', 'FILTER_CHAIN', 'NETWORK_FILTER', 'HTTP_FILTER']);
const ROUTE_CLASS = new Set(['ROUTE_CONFIGURATION', 'VIRTUAL_HOST', 'HTTP_ROUTE']);

/** Envoy's v2 xDS API is gone; a typed config naming it cannot be resolved by today's istiod. */
export function v2TypeUrls(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => v2TypeUrls(v, out));
  else {
    const m = asMap(value);
    if (m) {
      for (const [k, v] of Object.entries(m)) {
        if ((k === '@type' || k === 'type_url' || k === 'typeUrl') && typeof v === 'string' && /\.v2(alpha)?\./.test(v)) out.push(v);
        else v2TypeUrls(v, out);
      }
    }
  }
  return out;
}

/** Every webhook-level issue of an EnvoyFilter. */
export function validateEnvoyFilter(obj: KubeObject): ValidationIssue[] {
  const issues = new IssueList();
  for (const [cp, i] of mapsIn(specOf(obj).configPatches)) {
    const path = ['spec', 'configPatches', i];
    const match = asMap(cp.match);
    if (asString(match?.context) === 'WAYPOINT') continue;
    const applyTo = asString(cp.applyTo);
    const patch = asMap(cp.patch);
    if (!applyTo || applyTo === 'INVALID') {
      issues.error(path, 'Envoy filter: missing applyTo');
      continue;
    }
    if (!patch) {
      issues.error(path, 'Envoy filter: missing patch');
      continue;
    }
    const op = asString(patch.operation);
    if (!op || op === 'INVALID') {
      issues.error([...path, 'patch'], 'Envoy filter: missing patch operation');
      continue;
    }
    if (op !== 'REMOVE' && (patch.value === undefined || patch.value === null)) {
      issues.error([...path, 'patch'], 'Envoy filter: missing patch value for non-remove operation');
      continue;
    }
    const proxyVersion = asString(asMap(match?.proxy)?.proxyVersion);
    if (proxyVersion) {
      try {
        new RegExp(proxyVersion);
      } catch (err) {
        issues.error([...path, 'match', 'proxy', 'proxyVersion'], `Envoy filter: invalid regex for proxy version, [${err instanceof Error ? err.message : String(err)}]`);
        continue;
      }
    }
    checkMatchClass(issues, path, applyTo, match);
    for (const url of v2TypeUrls(patch.value))
      issues.error([...path, 'patch', 'value'], `referenced type unknown (hint: try using the v3 XDS API): ${url}`);
  }
  return issues.items;
}

function checkMatchClass(issues: IssueList, path: (string | number)[], applyTo: string, match: JsonMap | undefined): void {
  if (!match) return;
  const objectTypes = ['listener', 'routeConfiguration', 'cluster'].filter((k) => asMap(match[k]));
  if (objectTypes.length === 0) return;
  if (LISTENER_CLASS.has(applyTo) && !asMap(match.listener)) issues.error([...path, 'match'], 'Envoy filter: applyTo for listener class objects cannot have non listener match');
  if (ROUTE_CLASS.has(applyTo) && !asMap(match.routeConfiguration)) issues.error([...path, 'match'], 'Envoy filter: applyTo for http route class objects cannot have non route configuration match');
  if (applyTo === 'CLUSTER' && !asMap(match.cluster)) issues.error([...path, 'match'], 'Envoy filter: applyTo for cluster class objects cannot have non cluster match');
  const filter = asMap(asMap(asMap(match.listener)?.filterChain)?.filter);
  if (filter && LISTENER_CLASS.has(applyTo)) {
    if (applyTo === 'LISTENER' || applyTo === 'FILTER_CHAIN') issues.warn([...path, 'match'], `Envoy filter: filter match has no effect when used with ${applyTo}`);
    if (!asString(filter.name)) issues.error([...path, 'match'], 'Envoy filter: filter match has no name to match on');
    else if (asMap(filter.subFilter)) {
      if (applyTo !== 'HTTP_FILTER') issues.error([...path, 'match'], 'Envoy filter: subfilter match can be used with applyTo HTTP_FILTER only');
      else if (!['envoy.filters.network.http_connection_manager', 'envoy.http_connection_manager'].includes(asString(filter.name) ?? ''))
        issues.error([...path, 'match'], 'Envoy filter: subfilter match requires filter match with envoy.filters.network.http_connection_manager');
      else if (!asString(asMap(filter.subFilter)?.name)) issues.error([...path, 'match'], 'Envoy filter: subfilter match has no name to match on');
    }
  }
}
