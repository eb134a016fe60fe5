// EnvoyFilterMigrationRisk: EnvoyFilters pinned to another proxy version, using deprecated Envoy filter names, or unsupported by the target vendor.
import type { Analyzer } from '../../analyzer.js';
import { asMap, asNumber, asString, mapsIn, specOf } from '../../fields.js';
import { K } from '../../kinds.js';
import { msg } from '../../messages.gen.js';

/** Deprecated Envoy filter names and their canonical names (istio pkg/config/xds/deprecated.go, pkg/wellknown). */
export const DEPRECATED_FILTER_NAMES: Readonly<Record<string, string>> = {
  'envoy.buffer': 'envoy.filters.http.buffer',
  'envoy.cors': 'envoy.filters.http.cors',
  'envoy.csrf': 'envoy.filters.http.csrf',
  'envoy.http_dynamo_filter': 'envoy.filters.http.dynamo',
  'envoy.ext_authz': 'envoy.filters.http.ext_authz (or envoy.filters.network.ext_authz)',
  'envoy.fault': 'envoy.filters.http.fault',
  'envoy.grpc_http1_bridge': 'envoy.filters.http.grpc_http1_bridge',
  'envoy.grpc_json_transcoder': 'envoy.filters.http.grpc_json_transcoder',
  'envoy.grpc_web': 'envoy.filters.http.grpc_web',
  'envoy.gzip': 'envoy.filters.http.gzip',
  'envoy.health_check': 'envoy.filters.http.health_check',
  'envoy.ip_tagging': 'envoy.filters.http.ip_tagging',
  'envoy.lua': 'envoy.filters.http.lua',
  'envoy.rate_limit': 'envoy.filters.http.ratelimit',
  'envoy.router': 'envoy.filters.http.router',
  'envoy.squash': 'envoy.filters.http.squash',
  'envoy.listener.http_inspector': 'envoy.filters.listener.http_inspector',
  'envoy.listener.original_dst': 'envoy.filters.listener.original_dst',
  'envoy.listener.original_src': 'envoy.filters.listener.original_src',
  'envoy.listener.proxy_protocol': 'envoy.filters.listener.proxy_protocol',
  'envoy.listener.tls_inspector': 'envoy.filters.listener.tls_inspector',
  'envoy.client_ssl_auth': 'envoy.filters.network.client_ssl_auth',
  'envoy.http_connection_manager': 'envoy.filters.network.http_connection_manager',
  'envoy.mongo_proxy': 'envoy.filters.network.mongo_proxy',
  'envoy.ratelimit': 'envoy.filters.network.ratelimit',
  'envoy.redis_proxy': 'envoy.filters.network.redis_proxy',
  'envoy.tcp_proxy': 'envoy.filters.network.tcp_proxy',
};

/** Operations whose result depends on what other patches did first (istio's EnvoyPatchAnalyzer list). */
const RELATIVE_OPERATIONS = new Set(['INSERT_BEFORE', 'INSERT_AFTER', 'REPLACE', 'REMOVE']);

export const envoyFilterRiskAnalyzer: Analyzer = {
  metadata: {
    name: 'envoyfilter.MigrationRiskAnalyzer',
    description:
      "Finds EnvoyFilters that stop applying or change order after the move: proxyVersion pins that miss the target's proxies, relative patches without a priority, deprecated filter names, vendors without EnvoyFilter support",
    inputs: [K.EnvoyFilter],
  },
  analyze(ctx) {
    const version = ctx.target.istioVersion;
    for (const r of ctx.list(K.EnvoyFilter)) {
      // Google's managed Cloud Service Mesh lists EnvoyFilter among its unsupported APIs (supported-features-managed).
      if (ctx.target.vendor === 'csm')
        ctx.report(r, msg.EnvoyFilterMigrationRisk('the target, Google Cloud Service Mesh with its managed control plane, does not support the EnvoyFilter API; this filter will not be applied'), ['kind']);
      const priority = asNumber(specOf(r.object).priority) ?? 0;
      for (const [cp, i] of mapsIn(specOf(r.object).configPatches)) {
        const match = asMap(cp.match);
        const pv = asString(asMap(match?.proxy)?.proxyVersion);
        if (pv) {
          let re: RegExp | undefined;
          try {
            re = new RegExp(pv);
          } catch {
            re = undefined; // an invalid pattern is a SchemaValidationError (webhook rule)
          }
          if (re && !re.test(version))
            ctx.report(
              r,
              msg.EnvoyFilterMigrationRisk(`configPatches[${i}] only applies to proxies whose version matches /${pv}/, but the target's proxies run ${version}: the patch silently stops applying after the move`),
              ['spec', 'configPatches', i, 'match', 'proxy', 'proxyVersion'],
            );
        }
        const op = asString(asMap(cp.patch)?.operation);
        if (op && RELATIVE_OPERATIONS.has(op) && !priority)
          ctx.report(
            r,
            msg.EnvoyFilterMigrationRisk(
              `configPatches[${i}] uses the relative operation ${op} without a priority: EnvoyFilters of equal priority apply in creation order, which importing into the new cluster changes; set spec.priority, or use INSERT_FIRST or ADD`,
            ),
            ['spec', 'configPatches', i, 'patch', 'operation'],
          );
        const filter = asMap(asMap(asMap(match?.listener)?.filterChain)?.filter);
        const names: [string | undefined, (string | number)[]][] = [
          [asString(filter?.name), ['spec', 'configPatches', i, 'match', 'listener', 'filterChain', 'filter', 'name']],
          [asString(asMap(filter?.subFilter)?.name), ['spec', 'configPatches', i, 'match', 'listener', 'filterChain', 'filter', 'subFilter', 'name']],
          [asString(asMap(asMap(cp.patch)?.value)?.name), ['spec', 'configPatches', i, 'patch', 'value', 'name']],
        ];
        for (const [name, path] of names)
          if (name && DEPRECATED_FILTER_NAMES[name])
            ctx.report(r, msg.EnvoyFilterMigrationRisk(`uses the deprecated Envoy filter name ${name}; use ${DEPRECATED_FILTER_NAMES[name]}, which newer proxies require`), path);
      }
    }
  },
};
