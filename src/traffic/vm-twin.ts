// VM → Kubernetes: from a VM's ServiceEntry (or the WorkloadEntry/WorkloadGroup it selects), the VirtualServices that wrap both hosts at 100/0 and a TrafficShift for them.
import { InputError, UsageError } from '../errors.js';
import { isPlainObject } from '../resources/object.js';
import type { KubeObject } from '../resources/object.js';
import { MESHFERRY_API_VERSION } from '../resources/meshferry-file.js';
import { serializeObject } from '../resources/yaml-write.js';
import type { TrafficShiftDocument } from './shift/spec.js';

/** Kinds that stand for a VM in Istio. */
export const VM_KINDS = ['ServiceEntry', 'WorkloadEntry', 'WorkloadGroup'] as const;
export type VmKind = (typeof VM_KINDS)[number];

export interface VmTwinOptions {
  /** The VM object named by the user (any of VM_KINDS). */
  vm: KubeObject;
  /** ServiceEntries to look in when `vm` is a WorkloadEntry/WorkloadGroup (the file's, or the namespace's in the cluster). */
  serviceEntries?: readonly KubeObject[];
  /** The Kubernetes Service that replaces the VM: `name` (in the VM's namespace) or `namespace/name`. */
  service: string;
  /** Kubeconfig contexts the VirtualService goes to, one target each; [] means the current context. */
  contexts: readonly string[];
  /** Which of the ServiceEntry's hosts to wrap, when it has several. */
  host?: string;
  /** Name of the VirtualService; default `<ServiceEntry name>-migration`. */
  virtualServiceName?: string;
  /** Name of the TrafficShift; default `<ServiceEntry name>-to-<service>`. */
  shiftName?: string;
  /** Gate address written into the TrafficShift; default `http://127.0.0.1:9090`. */
  prometheus?: string;
  /** Add `retire: [the ServiceEntry]` to the TrafficShift (deleted after a successful shift). */
  retire?: boolean;
}

/** What `vm twin` produces. */
export interface VmTwin {
  /** The ServiceEntry whose host is wrapped. */
  serviceEntry: { namespace: string; name: string; host: string };
  /** The Kubernetes Service's host. */
  kubernetesHost: string;
  /** One VirtualService per context (the same object; the context says where it goes). */
  virtualServices: { context: string | undefined; object: KubeObject }[];
  shift: TrafficShiftDocument;
  /** Things a person should know (shown on stderr). */
  notes: string[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function labelsOf(obj: KubeObject): Record<string, string> {
  // A WorkloadGroup's instances get the labels of its template (spec.metadata.labels).
  const raw = obj.kind === 'WorkloadGroup' ? (isPlainObject(obj.spec) && isPlainObject(obj.spec.metadata) ? obj.spec.metadata.labels : undefined) : obj.metadata.labels;
  return isPlainObject(raw) ? Object.fromEntries(Object.entries(raw).filter(([, v]) => typeof v === 'string')) as Record<string, string> : {};
}

function selects(se: KubeObject, labels: Record<string, string>): boolean {
  const sel = isPlainObject(se.spec) && isPlainObject(se.spec.workloadSelector) ? se.spec.workloadSelector.labels : undefined;
  if (!isPlainObject(sel) || Object.keys(sel).length === 0) return false;
  return Object.entries(sel).every(([k, v]) => labels[k] === v);
}

/** The ServiceEntry that stands for the VM: the object itself, or the one whose workloadSelector picks the workload. */
export function findServiceEntry(vm: KubeObject, candidates: readonly KubeObject[]): KubeObject {
  if (vm.kind === 'ServiceEntry') return vm;
  if (vm.kind !== 'WorkloadEntry' && vm.kind !== 'WorkloadGroup') throw new UsageError(`a ${vm.kind} is not a VM object; give a ServiceEntry, WorkloadEntry or WorkloadGroup`);
  const ns = vm.metadata.namespace ?? 'default';
  const labels = labelsOf(vm);
  const matches = candidates.filter((se) => se.kind === 'ServiceEntry' && (se.metadata.namespace ?? 'default') === ns && selects(se, labels));
  const id = `${vm.kind} ${ns}/${vm.metadata.name}`;
  if (matches.length === 0)
    throw new UsageError(`no ServiceEntry in namespace ${ns} selects ${id} (workloadSelector.labels matching ${JSON.stringify(labels)}); give the ServiceEntry itself`);
  if (matches.length > 1)
    throw new UsageError(`${matches.length} ServiceEntries select ${id} (${matches.map((m) => m.metadata.name).join(', ')}); give the one to migrate`);
  return matches[0]!;
}

type RouteKind = 'http' | 'tls' | 'tcp';

/** Which VirtualService route list carries the ServiceEntry's traffic, from its ports' protocols. */
function routeKindOf(se: KubeObject): RouteKind {
  const ports = isPlainObject(se.spec) && Array.isArray(se.spec.ports) ? se.spec.ports.filter(isPlainObject) : [];
  const protocols = new Set(ports.map((p) => (str(p.protocol) ?? 'HTTP').toUpperCase()));
  const http = ['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB'];
  if (protocols.size === 0 || [...protocols].every((p) => http.includes(p))) return 'http';
  if ([...protocols].every((p) => p === 'TLS' || p === 'HTTPS')) return 'tls';
  if ([...protocols].every((p) => !http.includes(p) && p !== 'TLS' && p !== 'HTTPS')) return 'tcp';
  throw new UsageError(
    `ServiceEntry ${se.metadata.namespace ?? 'default'}/${se.metadata.name} mixes HTTP and non-HTTP ports (${[...protocols].join(', ')}); one VirtualService route cannot carry both, so write its VirtualService by hand`,
  );
}

function kubernetesServiceHost(service: string, defaultNamespace: string): { host: string; name: string; namespace: string } {
  const parts = service.split('/');
  if (parts.length > 2) throw new UsageError(`--service ${service}: expected NAME or NAMESPACE/NAME`);
  const [namespace, name] = parts.length === 2 ? [parts[0]!, parts[1]!] : [defaultNamespace, parts[0]!];
  for (const [what, v] of [['name', name], ['namespace', namespace]] as const)
    if (!DNS_LABEL.test(v)) throw new UsageError(`--service ${service}: the ${what} "${v}" is not a DNS label`);
  return { host: `${name}.${namespace}.svc.cluster.local`, name, namespace };
}

/** Builds the VirtualService(s) at 100/0 and the TrafficShift that moves them to 0/100. Never changes the input. */
export function planVmTwin(opts: VmTwinOptions): VmTwin {
  const se = findServiceEntry(opts.vm, opts.serviceEntries ?? []);
  const ns = se.metadata.namespace ?? 'default';
  const seName = se.metadata.name;
  const spec = isPlainObject(se.spec) ? se.spec : {};
  const hosts = Array.isArray(spec.hosts) ? spec.hosts.filter((h): h is string => typeof h === 'string') : [];
  if (hosts.length === 0) throw new InputError(`ServiceEntry ${ns}/${seName} has no hosts`);
  let host: string;
  if (opts.host !== undefined) {
    if (!hosts.includes(opts.host)) throw new UsageError(`--host ${opts.host} is not a host of ServiceEntry ${ns}/${seName} (${hosts.join(', ')})`);
    host = opts.host;
  } else if (hosts.length > 1) throw new UsageError(`ServiceEntry ${ns}/${seName} has ${hosts.length} hosts (${hosts.join(', ')}); pick one with --host`);
  else host = hosts[0]!;
  if (host.includes('*')) throw new UsageError(`the host ${host} is a wildcard; a VirtualService bound to the mesh cannot wrap it (istiod refuses it)`);
  const svc = kubernetesServiceHost(opts.service, ns);
  if (svc.host === host) throw new UsageError(`the Service ${svc.namespace}/${svc.name} has the ServiceEntry's own host ${host}; the twin needs a Service of its own name`);
  const kind = routeKindOf(se);
  const vsName = opts.virtualServiceName ?? `${seName}-migration`;
  const shiftName = opts.shiftName ?? `${seName}-to-${svc.name}`;
  for (const [what, v] of [['VirtualService name', vsName], ['TrafficShift name', shiftName]] as const)
    if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(v)) throw new UsageError(`the ${what} "${v}" is not a valid object name`);

  const route = [
    { destination: { host }, weight: 100 },
    { destination: { host: svc.host }, weight: 0 },
  ];
  const routeSpec =
    kind === 'http'
      ? { http: [{ name: 'vm-twin', route }] }
      : kind === 'tls'
        ? { tls: [{ match: [{ sniHosts: [host] }], route }] }
        : { tcp: [{ route }] };
  const vs: KubeObject = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: {
      name: vsName,
      namespace: ns,
      labels: { 'app.kubernetes.io/managed-by': 'meshferry' },
      annotations: { 'meshferry.dev/vm-twin': `ServiceEntry ${ns}/${seName} → Service ${svc.namespace}/${svc.name}` },
    },
    spec: { hosts: [host], ...routeSpec },
  };
  const contexts = opts.contexts.length > 0 ? [...opts.contexts] : [undefined];
  const shift: TrafficShiftDocument = {
    apiVersion: MESHFERRY_API_VERSION,
    kind: 'TrafficShift',
    metadata: { name: shiftName, namespace: ns },
    spec: {
      router: {
        virtualService: {
          targets: contexts.map((context) => ({ ...(context ? { context } : {}), name: vsName })),
          from: { host },
          to: { host: svc.host },
          ...(kind === 'http' ? { routes: ['vm-twin'] } : {}),
        },
      },
      // The GKE guide's walk: 100/0 → 80/20 → … → 0/100.
      steps: [20, 40, 60, 80, 100],
      interval: '5m',
      gates: {
        prometheus: { address: opts.prometheus ?? 'http://127.0.0.1:9090' },
        checks: [
          { metric: 'request-success-rate', min: 99 },
          { metric: 'request-duration-p99', max: 500 },
        ],
        // The checks read the Kubernetes side as Istio names it: its Deployment is assumed to carry the Service's name.
        workload: { namespace: svc.namespace, name: svc.name },
        failureThreshold: 2,
      },
      rollback: { mode: 'gradual', steps: [50, 0] },
      ...(opts.retire ? { retire: [{ kind: 'ServiceEntry' as const, name: seName, namespace: ns }] } : {}),
    },
  };
  const notes: string[] = [];
  if (opts.vm.kind !== 'ServiceEntry') notes.push(`${opts.vm.kind} ${ns}/${opts.vm.metadata.name} is selected by ServiceEntry ${ns}/${seName}; its host ${host} is wrapped`);
  if (spec.resolution === 'NONE') notes.push(`ServiceEntry ${ns}/${seName} has resolution NONE: traffic to it is passed through by IP, and a VirtualService on its host only applies to requests sent to that host name`);
  if (!opts.retire) notes.push('the VM objects stay: add --retire to have a successful shift delete the ServiceEntry, or remove it yourself');
  return { serviceEntry: { namespace: ns, name: seName, host }, kubernetesHost: svc.host, virtualServices: contexts.map((context) => ({ context, object: vs })), shift, notes };
}

/** One YAML stream: each VirtualService (with a comment naming its context), then the TrafficShift. */
export function renderVmTwin(t: VmTwin): string {
  const vs = t.virtualServices.map((v) => `---\n# VirtualService for context ${v.context ?? '(current)'}\n${serializeObject(v.object)}`);
  return [...vs, `---\n# TrafficShift: save it alone in a file for \`meshferry shift plan|run\`\n${serializeObject(t.shift as unknown as KubeObject)}`].join('');
}

/** The files of `--output-dir`: `trafficshift.yaml`, and `<context>/virtualservice.yaml` per context. */
export function vmTwinFiles(t: VmTwin): Record<string, string> {
  const files: Record<string, string> = { 'trafficshift.yaml': serializeObject(t.shift as unknown as KubeObject) };
  for (const v of t.virtualServices) files[`${v.context ?? 'current-context'}/virtualservice.yaml`] = serializeObject(v.object);
  return files;
}
