// Carries out a DECOMMISSION.md runbook (`migrate finish --execute`): its steps in order, each removal journaled as `decommission` with the object it removed, vendor steps only printed.
import { formatApiVersion } from '../../resources/kinds.js';
import type { ObjectClient } from '../../kube/object-client.js';
import type { JournalTarget } from '../../journal/journal.js';
import { isSecret } from '../../resources/secrets.js';
import { journaledWrites, STEP, type ActContext, type BatchWrite } from '../act.js';
import { restorable } from '../config.js';
import type { DecommissionRunbook, DecommissionSource, DecommissionStep, SourceResidueSnapshot } from './decommission.js';

/** One object a step removes, or one namespace whose opt-in labels it removes. */
export type DecommissionChange = { remove: { kind: string; namespace?: string; name: string } } | { unlabel: { namespace: string; keys: string[] } };

/** How `--execute` carries out one runbook step. */
export interface StepExecution {
  step: DecommissionStep;
  /**
   * `act`: its changes, in phases (a gateway's Deployments before its Services). `vendor`: the vendor's step, never
   * executed: the run stops there. `crds`: destructive beyond undo; only after an explicit yes on a terminal.
   * `info`: nothing to change (a check to read).
   */
  mode: 'act' | 'vendor' | 'crds' | 'info';
  phases: DecommissionChange[][];
  /** What is left to the operator after this step (the istioctl prune of a revision, a vendor's console step). */
  manual: string[];
}

const GROUP_OF: Record<string, string> = {
  MutatingWebhookConfiguration: 'admissionregistration.k8s.io',
  ValidatingWebhookConfiguration: 'admissionregistration.k8s.io',
  Deployment: 'apps',
  Service: '',
  CustomResourceDefinition: 'apiextensions.k8s.io',
};

/**
 * The objects a step's `removes` names. The renderer writes `Kind name`, `Kind namespace/name` or `Namespace name:
 * key, key`, and refuses any value that is not a Kubernetes name (checkCommandValues), so the lines parse exactly.
 */
function parseRemoves(step: DecommissionStep): DecommissionChange[] {
  return step.removes.map((line): DecommissionChange => {
    const ns = /^Namespace (\S+): (.+)$/.exec(line);
    if (ns) return { unlabel: { namespace: ns[1]!, keys: ns[2]!.split(', ') } };
    const obj = /^(\w+) (?:([^/\s]+)\/)?([^/\s]+)(?: \(.*\))?$/.exec(line);
    if (!obj || !(obj[1]! in GROUP_OF)) throw new TypeError(`runbook step ${step.id} removes "${line}", which --execute cannot read`);
    return { remove: { kind: obj[1]!, ...(obj[2] ? { namespace: obj[2] } : {}), name: obj[3]! } };
  });
}

/** How each step of the runbook is carried out (pure: the runbook and the snapshot it came from). */
export function planExecution(book: DecommissionRunbook, snap: SourceResidueSnapshot, source: DecommissionSource): StepExecution[] {
  const vendorGateways = new Set(source.managed ? snap.gateways.filter((g) => g.vendorManaged).flatMap((g) => [`Deployment ${g.namespace}/${g.name}`, ...g.services.map((s) => `Service ${s.namespace}/${s.name}`)]) : []);
  return book.steps.map((step): StepExecution => {
    const manual = step.vendorStep ? [`Vendor's step: ${step.vendorStep}`] : [];
    if (step.id === 'vendor-release') return { step, mode: 'vendor', phases: [], manual: [...manual, ...step.commands] };
    if (step.id === 'crds-check') return { step, mode: 'info', phases: [], manual: [...step.notes, ...step.commands] };
    const changes = parseRemoves(step);
    if (step.id === 'crds') return { step, mode: 'crds', phases: [changes], manual };
    if (step.id === 'gateways') {
      const own = changes.filter((c) => 'remove' in c && !vendorGateways.has(`${c.remove.kind} ${c.remove.namespace}/${c.remove.name}`));
      // Deployments first, then their Services (which releases the load balancers), as the runbook says.
      return { step, mode: 'act', phases: [own.filter((c) => 'remove' in c && c.remove.kind === 'Deployment'), own.filter((c) => 'remove' in c && c.remove.kind === 'Service')], manual };
    }
    // istioctl uninstall --revision also prunes the revision's ConfigMaps, Services and RBAC, which the runbook does
    // not list one by one: meshferry deletes what it lists and leaves the command for the rest.
    if (step.id.startsWith('istiod-')) return { step, mode: 'act', phases: [changes], manual: [...manual, ...step.commands.map((c) => `to prune the rest of the revision's install: ${c}`)] };
    return { step, mode: 'act', phases: [changes], manual };
  });
}

export interface ExecuteOptions {
  /** The engine's context: the home cluster, the migration's journal and clusters. */
  ctx: ActContext;
  /** The source cluster's client. */
  source: ObjectClient;
  /** The source's context as journal targets name it: undefined when it is home (InPlace). */
  context?: string;
  /** Asked before each step that changes something; false stops the run there. */
  confirm: (exec: StepExecution, index: number, total: number) => Promise<boolean>;
  /**
   * Whether the CRD step may be asked at all: it deletes every custom resource of them, so only on a terminal (never
   * --yes alone) and only once ConfigParity proved the target holds its own copy. `why` says what is missing.
   */
  crds: { allowed: true } | { allowed: false; why: string };
  say: (line: string) => void;
}

export interface ExecuteOutcome {
  /** Steps carried out, by id. */
  done: string[];
  /** Where the run stopped before the end, and why. */
  stopped?: { step: string; reason: string };
  /** Journal entries written, `Kind ns/name` each. */
  removed: string[];
  /** What the operator still has to do. */
  manual: string[];
}

/** Runs the steps in order until one is declined, is the vendor's, or fails; every change is journaled first. */
export async function executeDecommission(plan: readonly StepExecution[], opts: ExecuteOptions): Promise<ExecuteOutcome> {
  const out: ExecuteOutcome = { done: [], removed: [], manual: [] };
  for (const [i, exec] of plan.entries()) {
    const { step } = exec;
    const label = `step ${i + 1}/${plan.length} (${step.id})`;
    if (exec.mode === 'vendor') {
      out.manual.push(...exec.manual);
      out.stopped = { step: step.id, reason: `${label} is the vendor's (${step.title}): meshferry never runs it. Take it, then run \`migrate finish --execute\` again for the steps after it` };
      return out;
    }
    if (exec.mode === 'info') {
      for (const m of exec.manual) opts.say(`${label}: ${m}`);
      out.done.push(step.id);
      continue;
    }
    if (exec.mode === 'crds' && !opts.crds.allowed) {
      out.stopped = { step: step.id, reason: `${label} deletes the Istio CRDs and every custom resource of them, and ${opts.crds.why}. Run it by hand from DECOMMISSION.md once nothing of them is wanted` };
      return out;
    }
    if (!(await opts.confirm(exec, i, plan.length))) {
      out.stopped = { step: step.id, reason: `${label} was declined; nothing after it ran (the order keeps every webhook pointing at a serving istiod)` };
      return out;
    }
    for (const phase of exec.phases) {
      const items: BatchWrite[] = [];
      for (const change of phase) {
        const item = await batchWrite(opts, change, step.id);
        if (item) items.push(item);
      }
      if (items.length === 0) continue;
      const r = await journaledWrites(opts.ctx, items);
      for (const w of r.written) {
        out.removed.push(describe(w.item.target));
        opts.say(`${label}: ${'labels' in w.item.state ? 'unlabelled' : 'removed'} ${describe(w.item.target)} (journaled as decommission)`);
      }
      if (r.refused.length) {
        out.stopped = { step: step.id, reason: `${label}: the cluster refused ${r.refused.map((x) => `${describe(x.item.target)} (${x.error.message})`).join('; ')}; nothing after it ran` };
        return out;
      }
    }
    for (const m of exec.manual) opts.say(`${label}: ${m}`);
    out.manual.push(...exec.manual);
    out.done.push(step.id);
  }
  return out;
}

function describe(t: JournalTarget): string {
  return `${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}`;
}

/** The journaled write of one change, or undefined when the cluster already shows it (gone, or unlabelled). */
async function batchWrite(opts: ExecuteOptions, change: DecommissionChange, runbookStep: string): Promise<BatchWrite | undefined> {
  const client = opts.source;
  const where = opts.context !== undefined ? { context: opts.context } : {};
  if ('unlabel' in change) {
    const res = client.discovery.resourceFor('', 'Namespace');
    if (!res) return undefined;
    const target: JournalTarget = { apiVersion: 'v1', kind: 'Namespace', name: change.unlabel.namespace, ...where };
    return { step: STEP.decommission, target, state: { labels: Object.fromEntries(change.unlabel.keys.map((k) => [k, null])) }, extra: { runbookStep } };
  }
  const { kind, namespace, name } = change.remove;
  const res = client.discovery.resourceFor(GROUP_OF[kind]!, kind);
  if (!res) return undefined;
  const target: JournalTarget = { apiVersion: formatApiVersion(res.group, res.version), kind, ...(namespace ? { namespace } : {}), name, ...where };
  // The runbook never lists a Secret; if it ever did, its data must not reach the journal as a `before`.
  if (isSecret(target)) throw new TypeError(`runbook step ${runbookStep} would delete Secret ${namespace}/${name}; meshferry never deletes Secrets`);
  const live = await client.get(res, namespace, name);
  if (!live) return undefined;
  const uid = typeof live.metadata.uid === 'string' ? live.metadata.uid : undefined;
  return {
    step: STEP.decommission,
    target,
    state: { object: null },
    before: { object: restorable(live) },
    extra: { runbookStep, ...(uid ? { uid } : {}) },
    // Only the incarnation that was read and journaled: an object recreated since (another uid) is left alone (409).
    write: async () => {
      await client.delete(res, namespace, name, uid ? { preconditions: { uid } } : {});
    },
  };
}
