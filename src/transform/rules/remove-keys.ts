// The shared body of removeLabels and removeAnnotations: remove metadata keys by name, prefix or vendor preset.
import { VENDOR_TRACES, type Vendor } from '../../resources/vendors.js';
import { isPlainObject, type KubeObject } from '../../resources/object.js';
import type { PathSegment } from '../../resources/resource-set.js';
import { getPath } from '../field-path.js';
import { POD_TEMPLATE_KINDS, groupKind } from '../reference-fields.js';
import type { ObjectEdit, Rewriter, RuleRun } from '../rewriter.js';
import type { PresetName, RemoveKeysRule } from '../types.js';

export interface KeyRemoverOptions<T extends 'removeLabels' | 'removeAnnotations'> {
  type: T;
  field: 'labels' | 'annotations';
  summary: string;
  /** True when `key` is a trace of `vendor` (from resources/vendors.ts). */
  isVendorKey: (vendor: Vendor, key: string) => boolean;
  /** Why a key must stay on this object (a selector picks pods by it), or undefined. */
  keepReason?: (obj: KubeObject, place: readonly PathSegment[], key: string, run: RuleRun) => string | undefined;
}

/** Whether a key is to be removed: an exact key, a `prefix*` key, or a trace of a preset vendor. */
export function keyPredicate(spec: RemoveKeysRule, isVendorKey: (vendor: Vendor, key: string) => boolean): (key: string) => boolean {
  const exact = new Set((spec.keys ?? []).filter((k) => !k.endsWith('*')));
  const prefixes = (spec.keys ?? []).filter((k) => k.endsWith('*')).map((k) => k.slice(0, -1));
  const presets: readonly PresetName[] = spec.presets ?? [];
  return (key) => exact.has(key) || prefixes.some((p) => key.startsWith(p)) || presets.some((v) => isVendorKey(v, key));
}

/** Builds the rewriter for one metadata field. */
export function keyRemover<T extends 'removeLabels' | 'removeAnnotations'>(opts: KeyRemoverOptions<T>): Rewriter<T> {
  return {
    type: opts.type,
    summary: opts.summary,
    start(spec, run) {
      const isVendorField = opts.field === 'labels' ? ['labelKeys', 'labelPrefixes'] as const : ['annotationKeys', 'annotationPrefixes'] as const;
      for (const preset of spec.presets ?? []) {
        const t = VENDOR_TRACES[preset];
        if (t[isVendorField[0]].length === 0 && t[isVendorField[1]].length === 0)
          run.note('INFO', `preset ${preset} (${t.title}) lists no ${opts.field} to remove${t.revisionPatterns.length > 0 ? '; its trace is the revision name, which setRevision replaces' : ''}`);
      }
      const removes = keyPredicate(spec, opts.isVendorKey);
      return {
        rewrite(obj: KubeObject, edit: ObjectEdit) {
          const places: PathSegment[][] = [['metadata', opts.field]];
          if (POD_TEMPLATE_KINDS.has(groupKind(obj))) places.push(['spec', 'template', 'metadata', opts.field]);
          for (const place of places) {
            const map = getPath(obj, place);
            if (!isPlainObject(map)) continue;
            for (const key of Object.keys(map)) {
              if (!removes(key)) continue;
              const reason = opts.keepReason?.(obj, place, key, run);
              if (reason) edit.note('WARNING', `kept ${opts.field === 'labels' ? 'label' : 'annotation'} ${key} at ${place.join('.')}: ${reason}`);
              else edit.remove([...place, key], true);
            }
          }
        },
      };
    },
  };
}
