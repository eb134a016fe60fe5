// The ordered install steps with their exact commands, as data (plan.json) and as the source of RUNBOOK.md.
import type { ClusterPlan, InstallPlan } from './plan.js';
import { EASTWEST_GATEWAY_NAME, ISTIO_NAMESPACE } from './topology.js';

export interface RunbookStep {
  /** Stable id, e.g. `install-primary-cls-primary`. */
  id: string;
  title: string;
  /** The cluster the step acts on, when there is one. */
  cluster?: string;
  /** Shell commands, run from the plan folder, in order. */
  commands: string[];
  notes: string[];
  /** Commands to run after the step, at the operator's pace (restarts, for instance). */
  followUp?: string[];
}

/** Quotes a shell word only when it needs it (contexts such as arn:aws:eks:…/name are common). */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const ctx = (c: ClusterPlan) => `--context=${shellWord(c.context)}`;
const file = (c: ClusterPlan, name: string) => shellWord(`${c.name}/${name}`);

/** Every step of the plan, in the order they must run. */
export function planSteps(plan: InstallPlan): RunbookStep[] {
  const steps: RunbookStep[] = [];
  const primaries = plan.clusters.filter((c) => c.role === 'primary');
  const remotes = plan.clusters.filter((c) => c.role === 'remote');
  const istiodName = plan.istio.revision ? `istiod-${plan.istio.revision}` : 'istiod';

  steps.push({
    id: 'prepare-namespaces',
    title: 'Prepare namespaces: istio-system with its network label, and gateway namespaces',
    commands: plan.clusters.map((c) => `kubectl ${ctx(c)} apply --server-side --field-manager=meshferry -f ${file(c, 'system-namespaces.yaml')}`),
    notes: [
      `Use istioctl ${plan.istio.version} for every step (\`istioctl version --remote=false\`); other releases render other manifests.`,
      ...(remotes.length > 0 ? ['On remotes, istio-system also carries topology.istio.io/controlPlaneClusters, so the primary\'s istiod manages them.'] : []),
    ],
  });

  for (const p of primaries) {
    const operatorFile = p.istioOperators.find((o) => o.purpose === 'control-plane');
    steps.push({
      id: `install-primary-${p.name}`,
      title: `Install the control plane on the primary ${p.name}`,
      cluster: p.name,
      commands: [`istioctl install -y ${ctx(p)} -f ${file(p, operatorFile?.file ?? 'istio-operator.yaml')}`],
      notes: plan.splitGateways ? [] : p.gateways.length > 0 ? [`This also installs its gateways: ${p.gateways.map((g) => `${g.namespace}/${g.name}`).join(', ')}.`] : [],
    });
    const gatewayFiles = p.istioOperators.filter((o) => o.purpose !== 'control-plane');
    if (gatewayFiles.length > 0)
      steps.push({
        id: `install-gateways-${p.name}`,
        title: `Install the ${gatewayFiles.some((g) => g.purpose === 'eastwest-gateway') ? 'east-west gateway' : 'gateways'} on ${p.name}`,
        cluster: p.name,
        commands: gatewayFiles.map((g) => `istioctl install -y ${ctx(p)} -f ${file(p, g.file)}`),
        notes: [],
      });
    if (p.exposeIstiod.length > 0 || p.exposeServices.length > 0) {
      const commands = [
        `kubectl ${ctx(p)} -n ${ISTIO_NAMESPACE} get svc ${EASTWEST_GATEWAY_NAME} -o jsonpath='{.status.loadBalancer.ingress[0]}'`,
      ];
      if (p.exposeIstiod.length > 0) commands.push(`kubectl ${ctx(p)} apply -n ${ISTIO_NAMESPACE} -f ${file(p, 'expose-istiod.yaml')}`);
      if (p.exposeServices.length > 0) commands.push(`kubectl ${ctx(p)} apply -n ${ISTIO_NAMESPACE} -f ${file(p, 'expose-services.yaml')}`);
      const served = remotes.filter((r) => r.primary === p.name);
      steps.push({
        id: `expose-${p.name}`,
        title: p.exposeIstiod.length > 0 ? `Expose istiod on ${p.name} through the east-west gateway` : `Expose services on ${p.name} to other networks`,
        cluster: p.name,
        commands,
        notes: [
          'Wait until the east-west gateway Service has an address (the first command prints it).',
          ...served.map((r) => `${r.name} reaches istiod at ${r.remotePilotAddress ?? '?'} (${r.remotePilotAddressSource === 'live' ? 'read from the live Service' : 'from the topology'}); it must be this address.`),
        ],
      });
    }
  }

  for (const r of remotes) {
    const hasGateways = !plan.splitGateways && r.gateways.length > 0;
    steps.push({
      id: `install-remote-${r.name}`,
      title: `Install the remote ${r.name} (control plane: ${r.primary ?? '?'} at ${r.remotePilotAddress ?? '?'})`,
      cluster: r.name,
      commands: [`istioctl install -y ${ctx(r)} -f ${file(r, 'istio-operator.yaml')}`],
      notes: hasGateways
        ? [
            `This also installs ${r.gateways.map((g) => `${g.namespace}/${g.name}`).join(', ')}. Their proxies get certificates only once the next step attaches ${r.name}, ` +
              'so istioctl keeps waiting for them (up to --readiness-timeout, 5m): run the next step for this cluster in a second shell meanwhile, ' +
              'or plan with --split-gateways to install gateways after attaching.',
          ]
        : [],
    });
  }

  for (const p of primaries) {
    const others = plan.clusters.filter((c) => c.name !== p.name);
    if (others.length === 0) continue;
    steps.push({
      id: `attach-${p.name}`,
      title: `Attach ${others.map((c) => c.name).join(', ')} to ${p.name} (remote secrets)`,
      cluster: p.name,
      commands: others.map((c) => `istioctl create-remote-secret ${ctx(c)} --name=${shellWord(c.name)} | kubectl apply -f - ${ctx(p)}`),
      notes: [
        `Equivalent without istioctl: meshferry install remote-secret --context=<cluster> --name=<cluster> | kubectl apply -f - ${ctx(p)}`,
        'The secret holds a token of istio-reader-service-account; never paste it into tickets or logs.',
      ],
    });
  }

  if (plan.splitGateways)
    for (const r of remotes) {
      const gatewayFiles = r.istioOperators.filter((o) => o.purpose !== 'control-plane');
      if (gatewayFiles.length > 0)
        steps.push({
          id: `install-gateways-${r.name}`,
          title: `Install the gateways on the remote ${r.name}`,
          cluster: r.name,
          commands: gatewayFiles.map((g) => `istioctl install -y ${ctx(r)} -f ${file(r, g.file)}`),
          notes: [],
        });
    }

  const labelled = plan.clusters.filter((c) => c.injectionNamespaces.length > 0);
  if (labelled.length > 0) {
    const set = plan.istio.revision ? `istio.io/rev=${plan.istio.revision}` : 'istio-injection=enabled';
    const remove = plan.istio.revision ? 'istio-injection-' : 'istio.io/rev-';
    steps.push({
      id: 'label-namespaces',
      title: 'Label application namespaces for injection',
      commands: labelled.map((c) => `kubectl ${ctx(c)} label namespace ${c.injectionNamespaces.map((n) => n.metadata.name).join(' ')} ${remove} ${set} --overwrite`),
      notes: [
        `${set} selects the new control plane; ${remove.slice(0, -1)} is removed because istio-injection wins over istio.io/rev.`,
        '<cluster>/namespaces.yaml holds the same labels as objects.',
        'Workloads pick the new sidecar up when they restart (below). Restart in waves (meshferry migrate does this with checks), not all at once.',
      ],
      followUp: labelled.flatMap((c) => c.injectionNamespaces.map((n) => `kubectl ${ctx(c)} -n ${n.metadata.name} rollout restart deployment`)),
    });
  }

  const verify: string[] = [];
  for (const p of primaries) {
    verify.push(`kubectl ${ctx(p)} -n ${ISTIO_NAMESPACE} rollout status deployment/${istiodName}`);
    if (plan.clusters.length > 1) verify.push(`istioctl ${ctx(p)} remote-clusters`);
  }
  for (const c of plan.clusters)
    for (const g of c.gateways) verify.push(`kubectl ${ctx(c)} -n ${g.namespace} get svc ${g.name} -o wide`);
  for (const p of primaries) verify.push(`istioctl ${ctx(p)} proxy-status`);
  steps.push({
    id: 'verify',
    title: 'Verify',
    commands: verify,
    notes: ['remote-clusters lists every attached cluster as synced; proxy-status lists proxies of every cluster as SYNCED.'],
  });
  return steps;
}
