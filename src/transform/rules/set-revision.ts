// setRevision: namespaces with injection on, objects and pod templates carrying istio.io/rev move to a new revision.
import { isPlainObject } from '../../resources/object.js';
import { getPath } from '../field-path.js';
import { POD_TEMPLATE_KINDS, groupKind } from '../reference-fields.js';
import type { Rewriter } from '../rewriter.js';

export const REV_LABEL = 'istio.io/rev';
export const INJECTION_LABEL = 'istio-injection';

export const setRevision: Rewriter<'setRevision'> = {
  type: 'setRevision',
  summary: 'namespaces with injection on get istio.io/rev=<to> and lose istio-injection; istio.io/rev labels get <to>',
  start(spec, run) {
    const wasDefault: string[] = [];
    let workloads = 0;
    return {
      rewrite(obj, edit) {
        const labels = obj.metadata.labels ?? {};
        const rev = labels[REV_LABEL];
        if (obj.kind === 'Namespace' && obj.apiVersion === 'v1') {
          const injection = labels[INJECTION_LABEL];
          if (injection === 'enabled' || (injection === undefined && rev !== undefined)) {
            edit.set(['metadata', 'labels', REV_LABEL], spec.to);
            // istio-injection wins over istio.io/rev (istio-facts.md), so it must go for the revision label to count.
            if (injection !== undefined) edit.remove(['metadata', 'labels', INJECTION_LABEL]);
            if (injection === 'enabled') wasDefault.push(obj.metadata.name);
          } else if (injection !== undefined && rev !== undefined) {
            edit.note('WARNING', `has ${INJECTION_LABEL}=${injection} beside ${REV_LABEL}=${rev}; ${INJECTION_LABEL} wins, so injection stays off and the namespace was left alone`);
          }
          return;
        }
        const templateLabels = getPath(obj, ['spec', 'template', 'metadata', 'labels']);
        const hasTemplate = POD_TEMPLATE_KINDS.has(groupKind(obj)) && isPlainObject(templateLabels);
        const templateRev = hasTemplate && typeof templateLabels[REV_LABEL] === 'string' ? templateLabels[REV_LABEL] : undefined;
        const oldRev = rev ?? templateRev;
        if (oldRev !== undefined && oldRev !== spec.to && isControlPlaneObject(obj.kind, obj.metadata.name, oldRev)) {
          edit.note(
            'WARNING',
            `looks like part of control-plane revision ${oldRev} and was left alone; install revision ${spec.to} beside it rather than relabelling the old one`,
          );
          return;
        }
        if (rev !== undefined) edit.set(['metadata', 'labels', REV_LABEL], spec.to);
        if (templateRev !== undefined) {
          if (templateRev !== spec.to) workloads++;
          edit.set(['spec', 'template', 'metadata', 'labels', REV_LABEL], spec.to);
        } else if (obj.kind === 'Pod' && rev !== undefined && rev !== spec.to) workloads++;
      },
      finish() {
        if (wasDefault.length > 0)
          run.note(
            'INFO',
            `namespaces ${wasDefault.join(', ')} used ${INJECTION_LABEL}=enabled (whatever the default tag points at); they now name revision ${spec.to} explicitly, which must be installed before their pods restart`,
          );
        if (workloads > 0)
          run.note('INFO', `${workloads} workload(s) name revision ${spec.to} in their pod labels; running pods move to it only when they restart`);
      },
    };
  },
};

/**
 * Webhook configurations and objects named after their revision (`istiod-1-18-5`, `istio-sidecar-injector-1-18-5`)
 * belong to the old control plane: relabelling them would make the old revision's parts claim the new name.
 */
function isControlPlaneObject(kind: string, name: string, rev: string): boolean {
  return kind === 'MutatingWebhookConfiguration' || kind === 'ValidatingWebhookConfiguration' || name.endsWith(`-${rev}`);
}
