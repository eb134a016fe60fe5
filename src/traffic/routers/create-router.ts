// Builds the router a TrafficShift's `spec.router` names.
import { UsageError } from '../../errors.js';
import type { ClusterSet, Router } from './router.js';
import type { RouterSpec } from './spec.js';
import { HttpRouteRouter } from './httproute.js';
import { LbWeightRouter } from './lb-weight.js';
import { VirtualServiceRouter } from './virtualservice.js';

export interface CreateRouterOptions {
  /** The namespace of targets that name none (the TrafficShift's own namespace). */
  namespace?: string;
}

/** The router for `spec`; exactly one kind must be set (the schema checks it too). */
export function createRouter(spec: RouterSpec, clusters: ClusterSet, opts: CreateRouterOptions = {}): Router {
  const kinds = (['virtualService', 'lbWeight', 'httpRoute'] as const).filter((k) => spec[k] !== undefined);
  if (kinds.length !== 1)
    throw new UsageError(`spec.router needs exactly one of virtualService, lbWeight or httpRoute${kinds.length ? `, not ${kinds.join(' and ')}` : ''}`);
  if (spec.virtualService) return new VirtualServiceRouter(spec.virtualService, clusters, opts);
  if (spec.lbWeight) return new LbWeightRouter(spec.lbWeight, clusters, opts);
  if (spec.httpRoute) return new HttpRouteRouter(spec.httpRoute, clusters, opts);
  throw new UsageError('spec.router names no router kind');
}
