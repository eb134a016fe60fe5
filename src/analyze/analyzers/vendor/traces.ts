// VendorTraceLeft: labels, annotations, revisions and objects a managed mesh (TCM, ASM, CSM, OSSM) left behind, when the target is another vendor.
import type { PathSegment, Resource } from '../../../resources/resource-set.js';
import { VENDORS, VENDOR_TRACES, isVendorAnnotation, isVendorLabel, type Vendor } from '../../../resources/vendors.js';
import type { Analyzer } from '../../analyzer.js';
import { asMap, specOf } from '../../fields.js';
import { stringMap } from '../../hosts.js';
import { ISTIO_KIND_REFS, K, POD_TEMPLATE_KINDS } from '../../kinds.js';
import { msg } from '../../messages.gen.js';
import { REVISION_LABEL } from '../injection/labels.js';

/** Vendors whose revision names are their own (TCM's 1-18-5 style is upstream Istio's too, so never a trace). */
const REVISION_ORDER: readonly Vendor[] = ['csm', 'asm', 'ossm'];

/** CSM's managed control plane keeps its settings in ConfigMaps named like this (istio-facts.md). */
const CSM_CONFIGMAP = /^istio-asm-managed/;

export const vendorTracesAnalyzer: Analyzer = {
  metadata: {
    name: 'vendor.TraceAnalyzer',
    description: 'Finds labels, annotations, revisions and objects of another managed mesh on namespaces, pod templates, Services and Istio config',
    inputs: [K.Namespace, K.Service, K.ConfigMap, ...POD_TEMPLATE_KINDS, ...ISTIO_KIND_REFS],
  },
  analyze(ctx) {
    const target = ctx.target.vendor;
    const others = VENDORS.filter((v) => v !== 'istio' && v !== target);
    if (others.length === 0) return;
    const targetTitle = VENDOR_TRACES[target].title;
    const report = (r: Resource, what: string, key: string, vendor: Vendor, path: PathSegment[]) =>
      ctx.report(r, msg.VendorTraceLeft(what, key, VENDOR_TRACES[vendor].title, targetTitle), path);
    // The same few keys (app, version, istio.io/rev) recur on every object: each is judged once.
    const labelVendor = memo((key) => others.find((o) => isVendorLabel(o, key)));
    const annotationVendor = memo((key) => others.find((o) => isVendorAnnotation(o, key)));
    const scan = (r: Resource, labels: Readonly<Record<string, string>>, annotations: Readonly<Record<string, string>>, base: PathSegment[]) => {
      for (const key of Object.keys(labels)) {
        const v = labelVendor(key);
        if (v) report(r, 'label', key, v, [...base, 'labels', key]);
      }
      for (const key of Object.keys(annotations)) {
        const v = annotationVendor(key);
        if (v) report(r, 'annotation', key, v, [...base, 'annotations', key]);
      }
      const rev = labels[REVISION_LABEL];
      if (rev) {
        // Most specific first: CSM's asm-managed also matches ASM's asm- prefix.
        const v = REVISION_ORDER.find((o) => VENDOR_TRACES[o].revisionPatterns.some((p) => p.test(rev)));
        if (v && others.includes(v)) report(r, 'revision label', `${REVISION_LABEL}=${rev}`, v, [...base, 'labels', REVISION_LABEL]);
      }
    };
    for (const kind of [K.Namespace, K.Service, K.ConfigMap, ...ISTIO_KIND_REFS])
      for (const r of ctx.list(kind)) scan(r, r.object.metadata.labels ?? {}, r.object.metadata.annotations ?? {}, ['metadata']);
    for (const kind of POD_TEMPLATE_KINDS)
      for (const r of ctx.list(kind)) {
        const md = asMap(asMap(specOf(r.object).template)?.metadata);
        scan(r, stringMap(md?.labels) ?? {}, stringMap(md?.annotations) ?? {}, ['spec', 'template', 'metadata']);
        scan(r, r.object.metadata.labels ?? {}, r.object.metadata.annotations ?? {}, ['metadata']);
      }
    if (others.includes('csm'))
      for (const r of ctx.list(K.ConfigMap)) if (CSM_CONFIGMAP.test(r.object.metadata.name)) report(r, 'ConfigMap', r.object.metadata.name, 'csm', ['metadata', 'name']);
  },
};

function memo(judge: (key: string) => Vendor | undefined): (key: string) => Vendor | undefined {
  const seen = new Map<string, Vendor | undefined>();
  return (key) => {
    if (seen.has(key)) return seen.get(key);
    const v = judge(key);
    seen.set(key, v);
    return v;
  };
}
