// Traces each managed mesh leaves on namespaces, workloads and config; shared by transform presets and analyzers.

export type Vendor = 'istio' | 'tcm' | 'asm' | 'csm' | 'ossm';
export const VENDORS: readonly Vendor[] = ['istio', 'tcm', 'asm', 'csm', 'ossm'];

export interface VendorTraces {
  /** Human name of the managed mesh. */
  title: string;
  /** Exact label keys. */
  labelKeys: readonly string[];
  /** Label key prefixes (a key starting with one is a trace). */
  labelPrefixes: readonly string[];
  annotationKeys: readonly string[];
  annotationPrefixes: readonly string[];
  /** `istio.io/rev` values that only this vendor uses (regular expressions). */
  revisionPatterns: readonly RegExp[];
}

const none: VendorTraces = { title: 'upstream Istio', labelKeys: [], labelPrefixes: [], annotationKeys: [], annotationPrefixes: [], revisionPatterns: [] };

/**
 * Facts from ../shared/istio-facts.md ("Vendor traces a migration meets"); only checked traces are listed.
 * TCM leaves revisions like `1-18-5`, which upstream Istio also uses, so TCM's revision pattern only ever
 * counts as a trace when the target vendor is not upstream-compatible with that naming.
 */
export const VENDOR_TRACES: Record<Vendor, VendorTraces> = {
  istio: none,
  tcm: {
    title: 'Tencent Cloud Mesh (TCM)',
    labelKeys: [],
    labelPrefixes: [],
    annotationKeys: [],
    annotationPrefixes: [],
    revisionPatterns: [/^1-\d+-\d+$/],
  },
  asm: {
    title: 'Alibaba Service Mesh (ASM)',
    labelKeys: ['sidecar.asm.aliyun.com/inject'],
    labelPrefixes: ['sidecar.asm.aliyun.com/'],
    annotationKeys: [],
    annotationPrefixes: ['sidecar.asm.aliyun.com/'],
    revisionPatterns: [/^asm-/],
  },
  csm: {
    title: 'Google Cloud Service Mesh (CSM/ASM)',
    labelKeys: [],
    labelPrefixes: ['mesh.cloud.google.com/'],
    annotationKeys: ['mesh.cloud.google.com/proxy'],
    annotationPrefixes: ['mesh.cloud.google.com/'],
    revisionPatterns: [/^asm-managed(-rapid|-stable)?$/],
  },
  ossm: {
    title: 'OpenShift Service Mesh 2 (OSSM)',
    labelKeys: ['maistra.io/member-of', 'maistra.io/ignore-namespace', 'maistra-version'],
    labelPrefixes: ['maistra.io/'],
    annotationKeys: [],
    annotationPrefixes: ['maistra.io/'],
    revisionPatterns: [],
  },
};

/** True when `key` is a label trace of `vendor`. */
export function isVendorLabel(vendor: Vendor, key: string): boolean {
  const t = VENDOR_TRACES[vendor];
  return t.labelKeys.includes(key) || t.labelPrefixes.some((p) => key.startsWith(p));
}

/** True when `key` is an annotation trace of `vendor`. */
export function isVendorAnnotation(vendor: Vendor, key: string): boolean {
  const t = VENDOR_TRACES[vendor];
  return t.annotationKeys.includes(key) || t.annotationPrefixes.some((p) => key.startsWith(p));
}
