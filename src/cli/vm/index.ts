// `meshferry vm twin`: the VirtualService(s) and TrafficShift that move a VM service (ServiceEntry) to its Kubernetes Service.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import { ExitCode, UsageError } from '../../errors.js';
import { writeFileAtomic, writeFolderAtomic } from '../../resources/atomic-write.js';
import type { KubeObject } from '../../resources/object.js';
import { readResources } from '../../resources/yaml-read.js';
import { KubeconfigClusterSet } from '../../traffic/routers/cluster-set.js';
import { applyVmTwin, readVmObjects } from '../../traffic/vm-twin-cluster.js';
import { VM_KINDS, planVmTwin, renderVmTwin, vmTwinFiles } from '../../traffic/vm-twin.js';
import type { VmKind } from '../../traffic/vm-twin.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import { requireContexts } from '../cluster-flags.js';
import { log, style, writeStdout } from '../io.js';

export interface VmTwinFlags {
  filename?: string[];
  service: string;
  context?: string[];
  kubeconfig?: string;
  namespace?: string;
  host?: string;
  name?: string;
  shiftName?: string;
  prometheus?: string;
  retire?: boolean;
  apply?: boolean;
  outputDir?: string;
}

const KIND_WORDS: Record<string, VmKind> = {
  serviceentry: 'ServiceEntry',
  serviceentries: 'ServiceEntry',
  se: 'ServiceEntry',
  workloadentry: 'WorkloadEntry',
  workloadentries: 'WorkloadEntry',
  we: 'WorkloadEntry',
  workloadgroup: 'WorkloadGroup',
  workloadgroups: 'WorkloadGroup',
  wg: 'WorkloadGroup',
};

/** `serviceentry/NAME` (kubectl style; also `se/`, `workloadentry/`, `we/`, `workloadgroup/`, `wg/`). */
export function parseVmRef(ref: string): { kind: VmKind; name: string } {
  const slash = ref.indexOf('/');
  const kind = KIND_WORDS[ref.slice(0, slash).toLowerCase().replace(/\.networking\.istio\.io$/, '')];
  const name = ref.slice(slash + 1);
  if (slash < 0 || !kind || !name) throw new UsageError(`"${ref}": expected KIND/NAME with KIND serviceentry, workloadentry or workloadgroup (e.g. serviceentry/productcatalogservice)`);
  return { kind, name };
}

function isVmKind(o: KubeObject): boolean {
  return o.apiVersion.startsWith('networking.istio.io/') && (VM_KINDS as readonly string[]).includes(o.kind);
}

/** The VM object from files: the one named, else the only ServiceEntry. */
function pickFromFiles(objects: readonly KubeObject[], ref: { kind: VmKind; name: string } | undefined, namespace: string | undefined): KubeObject {
  const vms = objects.filter((o) => isVmKind(o) && (namespace === undefined || (o.metadata.namespace ?? 'default') === namespace));
  if (ref) {
    const hit = vms.filter((o) => o.kind === ref.kind && o.metadata.name === ref.name);
    if (hit.length === 1) return hit[0]!;
    if (hit.length === 0) throw new UsageError(`the files hold no ${ref.kind} named ${ref.name}${namespace ? ` in namespace ${namespace}` : ''}`);
    throw new UsageError(`the files hold ${hit.length} ${ref.kind}s named ${ref.name}; pick one with -n`);
  }
  const ses = vms.filter((o) => o.kind === 'ServiceEntry');
  if (ses.length === 1) return ses[0]!;
  throw new UsageError(
    ses.length === 0
      ? 'the files hold no ServiceEntry; name the VM object (e.g. workloadentry/NAME)'
      : `the files hold ${ses.length} ServiceEntries (${ses.map((s) => s.metadata.name).join(', ')}); name one, e.g. serviceentry/${ses[0]!.metadata.name}`,
  );
}

/** Runs `vm twin`; returns the exit code. */
export async function runVmTwin(ref: string | undefined, flags: VmTwinFlags): Promise<number> {
  const vmRef = ref === undefined ? undefined : parseVmRef(ref);
  const contexts = flags.context ?? [];
  // Files only and nothing applied: the contexts may be another machine's, so no kubeconfig here is no error.
  await requireContexts(contexts, flags, { kubeconfigOptional: Boolean(flags.filename?.length) && !flags.apply });
  const clusters = new KubeconfigClusterSet({ ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}) });
  try {
    let vm: KubeObject;
    let serviceEntries: KubeObject[];
    if (flags.filename?.length) {
      const objects = [...(await readResources(flags.filename))].map((r) => r.object);
      vm = pickFromFiles(objects, vmRef, flags.namespace);
      serviceEntries = objects.filter((o) => o.kind === 'ServiceEntry');
    } else {
      if (!vmRef) throw new UsageError('name the VM object (e.g. serviceentry/productcatalogservice), or give its file with -f');
      const from = contexts[0];
      const client = await clusters.client(from);
      const namespace = flags.namespace ?? client.transport.connection.namespace ?? 'default';
      log.info(style.dim(`vm twin: reading ${vmRef.kind} ${namespace}/${vmRef.name} from ${from ?? 'the current context'} (read only)`));
      ({ vm, serviceEntries } = await readVmObjects(client, vmRef.kind, namespace, vmRef.name));
    }
    const twin = planVmTwin({
      vm,
      serviceEntries,
      service: flags.service,
      contexts,
      ...(flags.host ? { host: flags.host } : {}),
      ...(flags.name ? { virtualServiceName: flags.name } : {}),
      ...(flags.shiftName ? { shiftName: flags.shiftName } : {}),
      ...(flags.prometheus ? { prometheus: flags.prometheus } : {}),
      ...(flags.retire ? { retire: true } : {}),
    });
    for (const n of twin.notes) log.info(`note: ${sanitizeTerminalText(n)}`);
    log.info(
      sanitizeTerminalText(`vm twin: VirtualService ${twin.serviceEntry.namespace}/${twin.virtualServices[0]!.object.metadata.name} wraps ${twin.serviceEntry.host} (100) and ${twin.kubernetesHost} (0) in ${contexts.join(', ') || 'the current context'}`),
    );
    if (flags.apply) {
      for (const r of await applyVmTwin(twin, clusters)) {
        log.info(sanitizeTerminalText(`vm twin: ${r.context ?? '(current context)'}: VirtualService ${r.namespace}/${r.name} ${r.result} (field manager meshferry; istiod validated it)`));
        if (!r.serviceFound) log.warn(sanitizeTerminalText(`${r.context ?? 'the current context'} has no Service ${twin.kubernetesHost}: deploy the Kubernetes twin there before the shift moves traffic`));
      }
    }
    if (flags.outputDir) {
      const files = vmTwinFiles(twin);
      await writeFolderAtomic(path.resolve(flags.outputDir), async (_staging, folder) => {
        for (const [rel, text] of Object.entries(files)) {
          const file = folder.resolve(rel);
          await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
          await writeFileAtomic(file, text);
        }
      });
      log.info(`vm twin: wrote ${Object.keys(files).join(', ')} in ${flags.outputDir}`);
      log.info(`next: meshferry shift plan ${path.join(flags.outputDir, 'trafficshift.yaml')}`);
    } else await writeStdout(renderVmTwin(twin));
    return ExitCode.ok;
  } finally {
    clusters.close();
  }
}

function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

export function registerVm(program: Command): void {
  const vm = program
    .command('vm')
    .summary('move a VM service into Kubernetes')
    .description('Commands for VM workloads in the mesh (ServiceEntry, WorkloadEntry, WorkloadGroup) that move to Kubernetes.')
    .addHelpText(
      'after',
      `
Examples:
  $ meshferry vm twin serviceentry/productcatalogservice --service productcatalogservice-gke --context cluster1,cluster2 --apply --output-dir twin/
  $ meshferry shift run twin/trafficshift.yaml`,
    );
  vm.command('twin')
    .summary('write the VirtualService(s) that wrap a VM service and its Kubernetes twin at 100/0, and a TrafficShift')
    .argument('[vm]', 'the VM object, KIND/NAME: serviceentry/NAME, workloadentry/NAME or workloadgroup/NAME')
    .description(
      'The VM → Kubernetes move of the GKE guide, prepared in one command. Given the VM\'s ServiceEntry (or a ' +
        'WorkloadEntry/WorkloadGroup, whose ServiceEntry is the one whose workloadSelector picks it) and the ' +
        'Kubernetes Service that replaces it, it writes:\n' +
        '- one VirtualService per cluster (--context, repeatable) on the ServiceEntry\'s host, routing 100 to the ' +
        'VM host and 0 to <service>.<namespace>.svc.cluster.local (an http route named vm-twin; tcp or tls for ' +
        'such ports);\n' +
        '- a TrafficShift that moves those VirtualServices together, 20 → 40 → 60 → 80 → 100, gated on the ' +
        'Kubernetes side\'s success rate and p99, rolling back gradually; edit it before running it.\n\n' +
        'The VM object is read from files (-f) or from the first --context. With --apply the VirtualServices are ' +
        'server-side applied (field manager meshferry) into every --context; the VM\'s own objects are only ' +
        'ever read, never changed. With --retire, the TrafficShift deletes the ServiceEntry after a successful shift.',
    )
    .requiredOption('--service <name>', 'the Kubernetes Service replacing the VM: NAME (in the VM\'s namespace) or NAMESPACE/NAME')
    .addOption(new Option('-f, --filename <file>', 'read the VM objects from this file or folder (repeatable; - for stdin)').argParser(repeatable))
    .addOption(new Option('--context <name>', 'a cluster (kubeconfig context) that gets the VirtualService; repeatable or comma-separated (default: the current context)').argParser(repeatable))
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('-n, --namespace <ns>', 'namespace of the VM object (default: the context\'s namespace)')
    .option('--host <host>', 'the ServiceEntry host to wrap, when it has several')
    .option('--name <name>', 'VirtualService name (default: <ServiceEntry>-migration)')
    .option('--shift-name <name>', 'TrafficShift name (default: <ServiceEntry>-to-<service>)')
    .option('--prometheus <url>', 'Prometheus address written into the TrafficShift\'s gates', 'http://127.0.0.1:9090')
    .option('--retire', 'add retire: [the ServiceEntry] to the TrafficShift (deleted after success; journaled, so an abort restores it)')
    .option('--apply', 'server-side apply the VirtualServices into every --context (never touches the VM objects)')
    .option('--output-dir <dir>', 'write <dir>/trafficshift.yaml and <dir>/<context>/virtualservice.yaml (atomically) instead of stdout')
    .addHelpText(
      'after',
      `
Examples:
  # From a file, for two clusters: print the VirtualServices and the TrafficShift
  $ meshferry vm twin -f productcatalog-vm.yaml --service productcatalogservice-gke --context cluster1,cluster2

  # From the cluster, applied into both clusters, shift file written for \`shift run\`
  $ meshferry vm twin serviceentry/productcatalogservice -n default --service productcatalogservice-gke \\
      --context cluster1 --context cluster2 --apply --output-dir twin/
  $ meshferry shift plan twin/trafficshift.yaml

  # A WorkloadEntry: the ServiceEntry that selects it gives the host
  $ meshferry vm twin workloadentry/billing-vm -n payments --service billing --retire`,
    )
    .action(async (ref: string | undefined, flags: VmTwinFlags) => {
      process.exitCode = await runVmTwin(ref, flags);
    });
}
