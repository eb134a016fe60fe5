// Load-balancer weight router: two gateway Services behind one cloud load balancer, weighted by an annotation
// ("to" gets w, "from" 100 - w, never both 0), after checking both gateways serve the same hosts, ports and credentials.
import { ClusterError, UsageError } from '../../errors.js';
import type { ServedResource } from '../../kube/discovery.js';
import { FIELD_MANAGER, type JsonPatchOperation, type ObjectClient } from '../../kube/object-client.js';
import type { KubeObject } from '../../resources/object.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import { compareGateways, type GatewayService } from './gateway-servers.js';
import {
  disagreement,
  percentTo,
  rawWeightsFor,
  targetName,
  weightChanges,
  WeightsChangedError,
  type ClusterSet,
  type LiveWeights,
  type Router,
  type RouterProblem,
  type TargetWeights,
} from './router.js';
import type { LbWeightPair, LbWeightRouterSpec, LbWeightService } from './spec.js';
import { mayHaveLostRace, pointer } from './weighted-objects.js';

const ACK = 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-';

/** One finding of a provider's own checks of a Service. */
export interface ProviderFinding {
  severity: 'error' | 'warning';
  message: string;
}

/** The annotations a provider reads. */
export interface LbProvider {
  weight: string;
  loadBalancerId: string | undefined;
  /** The weight meshferry reads for a Service without the annotation (before the first step writes it). */
  defaultWeight: number;
  /** What a missing weight annotation means before the first step. */
  missingWeight: ProviderFinding;
  /** Provider-specific checks of one Service. */
  check(svc: KubeObject): ProviderFinding[];
}

/** The provider of a spec: `ack` (Alibaba CLB, cloud-provider-alibaba-cloud clbv1/vgroups.go) or `generic`. */
export function lbProvider(spec: Pick<LbWeightRouterSpec, 'provider' | 'annotation' | 'loadBalancerIdAnnotation'>): LbProvider {
  if (spec.provider === 'ack')
    return {
      weight: spec.annotation ?? `${ACK}weight`,
      loadBalancerId: spec.loadBalancerIdAnnotation ?? `${ACK}id`,
      defaultWeight: 100,
      // setWeightBackends: without the annotation every backend gets 100 (or -default-weight), or its pod count in
      // Local mode, so the Service's share depends on how many backends it has: "0 %" would not mean no traffic.
      missingWeight: {
        severity: 'error',
        message: `has no weight annotation: ACK then weighs each backend 100 (or ${ACK}default-weight), so its share depends on its backend count; set the weights (100 on "from", 0 on "to") before the shift`,
      },
      check(svc) {
        const a = svc.metadata.annotations ?? {};
        const out: ProviderFinding[] = [];
        // The weight works only on a user-created vServer group named by -vgroup-port, on an existing CLB (-id).
        if (!a[`${ACK}vgroup-port`]) out.push({ severity: 'warning', message: `has no ${ACK}vgroup-port annotation: ACK applies the weight only to a user-created vServer group named there` });
        if (a[`${ACK}force-override-listeners`] !== 'false')
          out.push({ severity: 'warning', message: `${ACK}force-override-listeners is not "false": the CCM may rewrite the shared load balancer's listeners for this Service` });
        if ((a[`${ACK}ignore-weight-update`] ?? '').toLowerCase() === 'on')
          out.push({ severity: 'error', message: `${ACK}ignore-weight-update is "on": the CCM would not apply any weight meshferry writes` });
        return out;
      },
    };
  if (!spec.annotation) throw new UsageError('spec.router.lbWeight.annotation is required with provider generic (the annotation key that holds the weight)');
  return {
    weight: spec.annotation,
    loadBalancerId: spec.loadBalancerIdAnnotation,
    defaultWeight: 100,
    missingWeight: { severity: 'warning', message: 'has no weight annotation: meshferry reads it as 100 until the first step writes it' },
    check: () => [],
  };
}

interface ResolvedService {
  context: string | undefined;
  /** Where the gateway's Istio config is read; undefined: `context`. */
  configContext: string | undefined;
  namespace: string;
  name: string;
}

interface LoadedService {
  ref: ResolvedService;
  obj: KubeObject;
  client: ObjectClient;
  resource: ServedResource;
  label: string;
}

function resolveService(s: LbWeightService, namespace: string): ResolvedService {
  const [a, b] = s.service.split('/', 2);
  const where = { context: s.context, configContext: s.configContext };
  return b === undefined ? { ...where, namespace, name: a ?? '' } : { ...where, namespace: a ?? namespace, name: b };
}

/** The weight in an annotation value: a whole number 0..100, or undefined when it is not one. */
export function parseWeight(value: string): number | undefined {
  if (!/^\s*\d{1,3}\s*$/.test(value)) return undefined;
  const n = Number(value);
  return n <= 100 ? n : undefined;
}

/** An lb-weight router over one or more pairs of gateway Services. */
export class LbWeightRouter implements Router {
  readonly kind = 'lbWeight' as const;
  /** Gateways report their own traffic as reporter="source" (they have no destination side of their own). */
  readonly reporter = 'source' as const;
  readonly #clusters: ClusterSet;
  readonly #provider: LbProvider;
  readonly #pairs: { from: ResolvedService; to: ResolvedService }[];

  constructor(spec: LbWeightRouterSpec, clusters: ClusterSet, opts: { namespace?: string } = {}) {
    this.#clusters = clusters;
    this.#provider = lbProvider(spec);
    const pairs: LbWeightPair[] = spec.targets ?? (spec.from && spec.to ? [{ from: spec.from, to: spec.to }] : []);
    if (pairs.length === 0) throw new UsageError('spec.router.lbWeight needs from and to (or targets: a list of from/to pairs)');
    const ns = opts.namespace ?? 'default';
    this.#pairs = pairs.map((p) => ({ from: resolveService(p.from, ns), to: resolveService(p.to, ns) }));
  }

  async #load(ref: ResolvedService): Promise<LoadedService | { missing: string; label: string }> {
    const client = await this.#clusters.client(ref.context);
    const label = targetName(ref.context ?? client.transport.contextName, 'Service', ref.namespace, ref.name);
    const resource = client.discovery.resourceFor('', 'Service');
    if (!resource) return { missing: 'the cluster serves no Services', label };
    const obj = await client.get(resource, ref.namespace, ref.name);
    if (!obj) return { missing: `Service ${ref.namespace}/${ref.name} does not exist`, label };
    return { ref, obj, client, resource, label };
  }

  /** The Service with the cluster its Istio config is read from (its configContext, when it names one). */
  async #gatewayService(svc: LoadedService): Promise<GatewayService> {
    const context = svc.ref.context ?? svc.client.transport.contextName;
    const cc = svc.ref.configContext;
    if (cc === undefined || cc === context) return { obj: svc.obj, client: svc.client, context, label: svc.label };
    return { obj: svc.obj, client: svc.client, context, label: svc.label, config: { client: await this.#clusters.client(cc), context: cc } };
  }

  async #mustLoad(ref: ResolvedService): Promise<LoadedService> {
    const got = await this.#load(ref);
    if ('missing' in got) throw new ClusterError('RouterTargetNotFound', `${got.label}: ${got.missing}`);
    return got;
  }

  /** The weight a Service holds now (the provider's default when unannotated); undefined when unreadable. */
  #weightOf(svc: KubeObject): number | undefined {
    const v = svc.metadata.annotations?.[this.#provider.weight];
    return v === undefined ? this.#provider.defaultWeight : parseWeight(v);
  }

  #field(from: LoadedService): string {
    return `metadata.annotations["${this.#provider.weight}"] (with ${from.label})`;
  }

  #weights(from: LoadedService, to: LoadedService): TargetWeights {
    const rf = this.#weightOf(from.obj);
    const rt = this.#weightOf(to.obj);
    if (rf === undefined || rt === undefined) {
      const bad = rf === undefined ? from : to;
      throw new ClusterError(
        'RouterBadWeight',
        `${bad.label}: ${this.#provider.weight} is "${sanitizeTerminalText(bad.obj.metadata.annotations?.[this.#provider.weight] ?? '', { oneLine: true })}", not a whole number from 0 to 100`,
      );
    }
    const raw = { from: rf, to: rt };
    return {
      target: to.label,
      field: this.#field(from),
      to: percentTo(raw),
      raw,
      resourceVersion: `${String(from.obj.metadata.resourceVersion)},${String(to.obj.metadata.resourceVersion)}`,
    };
  }

  async validate(): Promise<RouterProblem[]> {
    const out: RouterProblem[] = [];
    const live: TargetWeights[] = [];
    await Promise.all(
      this.#pairs.map(async (p) => {
        const [from, to] = await Promise.all([this.#load(p.from), this.#load(p.to)]);
        for (const s of [from, to]) if ('missing' in s) out.push({ severity: 'error', code: 'NotFound', target: s.label, message: s.missing });
        if ('missing' in from || 'missing' in to) return;
        out.push(...this.#checkPair(from, to));
        out.push(...(await compareGateways(await this.#gatewayService(from), await this.#gatewayService(to))));
        if (this.#weightOf(from.obj) !== undefined && this.#weightOf(to.obj) !== undefined) live.push(this.#weights(from, to));
      }),
    );
    const apart = disagreement(live);
    if (apart) out.push(apart);
    return out;
  }

  #checkPair(from: LoadedService, to: LoadedService): RouterProblem[] {
    const out: RouterProblem[] = [];
    const key = this.#provider.weight;
    for (const s of [from, to]) {
      const v = s.obj.metadata.annotations?.[key];
      if (v === undefined)
        out.push({ ...this.#provider.missingWeight, code: 'Weights', target: s.label, field: `metadata.annotations["${key}"]` });
      else if (parseWeight(v) === undefined)
        out.push({ severity: 'error', code: 'Weights', target: s.label, field: `metadata.annotations["${key}"]`, message: `"${sanitizeTerminalText(v, { oneLine: true })}" is not a whole number from 0 to 100` });
      for (const f of this.#provider.check(s.obj)) out.push({ ...f, target: s.label });
    }
    const wf = this.#weightOf(from.obj);
    const wt = this.#weightOf(to.obj);
    if (wf === 0 && wt === 0) out.push({ severity: 'error', code: 'Weights', target: to.label, field: this.#field(from), message: 'both Services weigh 0: the load balancer sends their traffic nowhere' });
    const idKey = this.#provider.loadBalancerId;
    if (!idKey) out.push({ severity: 'warning', code: 'LoadBalancerMismatch', target: to.label, message: 'no loadBalancerIdAnnotation given: cannot check that both Services share one load balancer' });
    else {
      const a = from.obj.metadata.annotations?.[idKey];
      const b = to.obj.metadata.annotations?.[idKey];
      if (!a || !b || a !== b)
        out.push({
          severity: 'error',
          code: 'LoadBalancerMismatch',
          target: to.label,
          field: `metadata.annotations["${idKey}"]`,
          message: `the two Services must share one load balancer, but ${from.label} has ${a ? `"${sanitizeTerminalText(a, { oneLine: true })}"` : 'none'} and ${to.label} has ${b ? `"${sanitizeTerminalText(b, { oneLine: true })}"` : 'none'}`,
        });
    }
    return out;
  }

  async read(): Promise<LiveWeights> {
    const all = await Promise.all(
      this.#pairs.map(async (p) => {
        const [from, to] = await Promise.all([this.#mustLoad(p.from), this.#mustLoad(p.to)]);
        return this.#weights(from, to);
      }),
    );
    return { targets: all };
  }

  /**
   * Every pair is read and compared with `expected` before anything is written. In each pair the Service whose
   * weight grows is written first, so between the two writes the load balancer never sees both at 0.
   */
  async write(to: number, expected: LiveWeights): Promise<LiveWeights> {
    const want = rawWeightsFor(to);
    const loaded = await Promise.all(this.#pairs.map(async (p) => Promise.all([this.#mustLoad(p.from), this.#mustLoad(p.to)])));
    const live = { targets: loaded.map(([f, t]) => this.#weights(f, t)) };
    const changes = weightChanges(expected, live);
    if (changes.length > 0) throw new WeightsChangedError(changes);
    await Promise.all(
      loaded.map(async ([from, toSvc], i) => {
        const before = live.targets[i]!;
        const sides = [
          { svc: from, want: want.from, side: 'from' as const, grows: want.from > before.raw.from },
          { svc: toSvc, want: want.to, side: 'to' as const, grows: want.to > before.raw.to },
        ].sort((a, b) => Number(b.grows) - Number(a.grows));
        for (const s of sides) await this.#writeWeight(s.svc, s.want, before, s.side);
      }),
    );
    return this.read();
  }

  async #writeWeight(first: LoadedService, want: number, expected: TargetWeights, side: 'from' | 'to'): Promise<void> {
    let svc = first;
    for (let attempt = 1; ; attempt++) {
      const annotations = svc.obj.metadata.annotations;
      if (annotations?.[this.#provider.weight] === String(want)) return;
      const ops: JsonPatchOperation[] = [
        { op: 'test', path: '/metadata/resourceVersion', value: svc.obj.metadata.resourceVersion },
        annotations
          ? { op: 'add', path: pointer('metadata', 'annotations', this.#provider.weight), value: String(want) }
          : { op: 'add', path: '/metadata/annotations', value: { [this.#provider.weight]: String(want) } },
      ];
      try {
        await svc.client.patch(svc.resource, svc.ref.namespace, svc.ref.name, ops, 'json', { fieldManager: FIELD_MANAGER });
        return;
      } catch (err) {
        if (!mayHaveLostRace(err)) throw err;
        const before = svc.obj.metadata.resourceVersion;
        // Another writer touched the Service (a label, a controller's annotation): go on unless it was the weight.
        svc = await this.#mustLoad(svc.ref);
        if (svc.obj.metadata.resourceVersion === before) throw err; // not a race: the patch itself was refused
        if (attempt >= 6) throw new ClusterError('RouterWriteConflict', `${svc.label} kept changing under the shift (6 attempts); try again`, { cause: err });
      }
      const now = this.#weightOf(svc.obj);
      if (now !== expected.raw[side]) {
        const actual = { ...expected.raw, [side]: now ?? Number.NaN };
        throw new WeightsChangedError([{ target: expected.target, field: expected.field, expected: expected.raw, actual }]);
      }
    }
  }

  /** Nothing to undo: the Services keep the weights the shift ended on. */
  finalize(): Promise<void> {
    return Promise.resolve();
  }
}
