// The `spec.router` part of a TrafficShift file: which objects hold the weights, in which clusters, and which two sides move.

/** One side of a VirtualService split: a route destination. Fields left out match any value. */
export interface VirtualServiceDestination {
  /** `destination.host`; a short name (no dot) means `<name>.<VirtualService namespace>.svc.cluster.local`, as in Istio. */
  host: string;
  /** `destination.subset` (a DestinationRule subset). */
  subset?: string;
  /** `destination.port.number`. */
  port?: number;
}

/** One VirtualService (in one cluster) whose weights move. `from`, `to` and `routes` override the router's. */
export interface VirtualServiceTarget {
  /** Kubeconfig context; the current context when absent. */
  context?: string;
  name: string;
  /** Default: the shift's namespace. */
  namespace?: string;
  from?: VirtualServiceDestination;
  to?: VirtualServiceDestination;
  routes?: string[];
}

/** Bring your own VirtualService: only the two destinations' weights change. */
export interface VirtualServiceRouterSpec {
  targets: VirtualServiceTarget[];
  from: VirtualServiceDestination;
  to: VirtualServiceDestination;
  /** Names of http/tls/tcp routes; default: every route holding both destinations. */
  routes?: string[];
}

/** A Service that fronts one gateway, as `namespace/name` (or `name` in the shift's namespace). */
export interface LbWeightService {
  context?: string;
  service: string;
  /**
   * The context whose Istio config (Gateways, VirtualServices) applies to this gateway; default: `context`. In a
   * primary-remote mesh a gateway in a remote cluster is configured from the primary: name the primary here.
   */
  configContext?: string;
}

/** One pair of gateway Services behind one load balancer. */
export interface LbWeightPair {
  from: LbWeightService;
  to: LbWeightService;
}

/**
 * Load-balancer weight annotations on two gateway Services that share one cloud load balancer.
 * `ack`: Alibaba Cloud's `service.beta.kubernetes.io/alibaba-cloud-loadbalancer-weight` (0-100) and `-id`.
 * `generic`: any annotation key holding an integer weight 0-100.
 */
export interface LbWeightRouterSpec {
  provider: 'ack' | 'generic';
  /** The weight annotation key (required for `generic`; `ack` knows its own). */
  annotation?: string;
  /** The annotation naming the shared load balancer (`ack` knows its own; `generic` skips the check without it). */
  loadBalancerIdAnnotation?: string;
  /** The pair, when there is one. */
  from?: LbWeightService;
  to?: LbWeightService;
  /** Several pairs (one per cluster), moved together; instead of `from`/`to`. */
  targets?: LbWeightPair[];
}

/** One side of an HTTPRoute split: a backendRef. Fields left out match any value (kind defaults to Service). */
export interface HttpRouteBackend {
  /** `backendRef.name`. */
  backendRef: string;
  namespace?: string;
  port?: number;
  kind?: string;
  group?: string;
}

/** One HTTPRoute (in one cluster) whose weights move. */
export interface HttpRouteTarget {
  context?: string;
  name: string;
  namespace?: string;
  from?: HttpRouteBackend;
  to?: HttpRouteBackend;
  rules?: string[];
}

/** Gateway API HTTPRoute `backendRefs` weights. */
export interface HttpRouteRouterSpec {
  targets: HttpRouteTarget[];
  from: HttpRouteBackend;
  to: HttpRouteBackend;
  /** Names of rules (`rules[].name`); default: every rule holding both backends. */
  rules?: string[];
}

/** Exactly one router kind. */
export type RouterSpec =
  | { virtualService: VirtualServiceRouterSpec; lbWeight?: never; httpRoute?: never }
  | { lbWeight: LbWeightRouterSpec; virtualService?: never; httpRoute?: never }
  | { httpRoute: HttpRouteRouterSpec; virtualService?: never; lbWeight?: never };
