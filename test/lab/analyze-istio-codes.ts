// The one map from Istio's analyzer codes (IST0nnn) to meshferry's checks, shared by the istioctl differential test and the analyzer-grid test, and where the pinned Istio module sits.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { MessageName } from '../../src/analyze/messages.gen.js';
import { REPO_ROOT } from '../support/cli.js';

/**
 * istioctl code → the meshferry message names that stand for it (docs/analyzers.md, "istioctl codes").
 * A finding of any of these names on the same object counts as the same check.
 */
export const CODE_MAP: Readonly<Record<string, readonly MessageName[]>> = {
  IST0002: ['DeprecatedField'],
  IST0101: ['ReferencedResourceNotFound'],
  IST0102: ['NamespaceNotInjected'],
  IST0106: ['SchemaValidationError'],
  IST0109: ['ConflictingMeshGatewayVirtualServiceHosts'],
  IST0110: ['ConflictingSidecarWorkloadSelectors'],
  IST0111: ['MultipleSidecarsWithoutWorkloadSelectors'],
  IST0112: ['VirtualServiceDestinationPortSelectorRequired'],
  IST0118: ['PortNameIsNotUnderNamingConvention'],
  IST0123: ['NamespaceMultipleInjectionLabels'],
  // NoMatchingWorkloadsFound: meshferry has one name for every selector that selects no workload.
  IST0127: ['NoMatchingWorkloadsFound'],
  IST0130: ['VirtualServiceUnreachableRule'],
  IST0132: ['VirtualServiceHostNotFoundInGateway'],
  // istio's generic "schema warning" carries deprecations and filter-name notices that meshferry names precisely.
  IST0133: ['SchemaWarning', 'DeprecatedField', 'EnvoyFilterMigrationRisk'],
  IST0145: ['ConflictingGateways'],
  IST0151: ['EnvoyFilterMigrationRisk'],
  IST0155: ['EnvoyFilterMigrationRisk'],
  IST0173: ['DestinationRuleSubsetNotSelectPods'],
  IST0174: ['UnknownDestinationRuleHost'],
};

/** Codes meshferry deliberately does not report; each is explained in docs/analyzers.md ("istioctl codes meshferry does not report"). */
export const UNMAPPED: readonly string[] = ['IST0128', 'IST0129', 'IST0131', 'IST0134', 'IST0138', 'IST0152', 'IST0153', 'IST0154', 'IST0157', 'IST0160', 'IST0175', 'IST0177'];

/** The meshferry message names that stand for some istioctl code: the checks both tools have. */
export const SHARED_NAMES: ReadonlySet<MessageName> = new Set(Object.values(CODE_MAP).flat());

/**
 * The folder of the pinned istio.io/istio module in the Go module cache (lab/go/istio/go.mod pins it; the lab
 * build downloads it). Tests read Istio's files from there at test time and never copy them.
 */
export function istioModuleDir(): string {
  const gomod = readFileSync(path.join(REPO_ROOT, 'lab/go/istio/go.mod'), 'utf8');
  const version = /^\s*istio\.io\/istio\s+(v\S+)/m.exec(gomod)?.[1];
  if (!version) throw new Error('lab/go/istio/go.mod does not pin istio.io/istio');
  const cache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  const dir = path.join(cache, `istio.io/istio@${version}`);
  if (!existsSync(dir)) throw new Error(`${dir} is missing: run \`bash lab/build.sh\` (it downloads the pinned Istio module)`);
  return dir;
}

/** Istio's message catalog of that release: message name → IST code (pkg/config/analysis/msg/messages.yaml). */
export function istioCodes(moduleDir: string): ReadonlyMap<string, string> {
  const text = readFileSync(path.join(moduleDir, 'pkg/config/analysis/msg/messages.yaml'), 'utf8');
  const out = new Map<string, string>();
  // Entries are `- name: "X"` followed by `code: ISTnnnn`; read just those two keys.
  for (const m of text.matchAll(/-\s+name:\s+"?([A-Za-z0-9]+)"?\s*\n\s+code:\s+(IST\d{4})/g)) out.set(m[1]!, m[2]!);
  return out;
}
