// renameGatewaySelector: Istio Gateways (and policies picking the same gateway pods) select new gateway labels.
import { jsonEqual } from '../../resources/neat.js';
import { isPlainObject, identityOf, type KubeObject } from '../../resources/object.js';
import { getPath } from '../field-path.js';
import { POD_TEMPLATE_KINDS, WORKLOAD_SELECTOR_FIELDS, groupKind } from '../reference-fields.js';
import type { Rewriter } from '../rewriter.js';

const containsAll = (labels: unknown, wanted: Record<string, string>): boolean =>
  isPlainObject(labels) && Object.entries(wanted).every(([k, v]) => labels[k] === v);

/** `{a: b, c: d}` as people write selectors: `a=b,c=d`. */
export const formatLabels = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** Gateway Deployments, Pods and Services that still carry or select the old labels: meshferry leaves them alone. */
function gatewayWorkloads(objects: Iterable<{ object: KubeObject }>, from: Record<string, string>): string[] {
  const out: string[] = [];
  for (const { object } of objects) {
    const gk = groupKind(object);
    const carries =
      (POD_TEMPLATE_KINDS.has(gk) && containsAll(getPath(object, ['spec', 'template', 'metadata', 'labels']), from)) ||
      (gk === '/Pod' && containsAll(object.metadata.labels, from)) ||
      (gk === '/Service' && containsAll(getPath(object, ['spec', 'selector']), from));
    if (carries) out.push(identityOf(object));
  }
  return out;
}

export const renameGatewaySelector: Rewriter<'renameGatewaySelector'> = {
  type: 'renameGatewaySelector',
  summary: 'Istio Gateways whose selector contains `from` select `to` instead; policies picking the same gateway pods follow',
  check(spec, at, problems) {
    if (jsonEqual(spec.from, spec.to)) problems.push({ path: [...at, 'to'], message: '"to" is the same as "from": the rule would change nothing' });
  },
  start(spec, run) {
    let gateways = 0;
    const policies: string[] = [];
    return {
      rewrite(obj, edit) {
        const where = WORKLOAD_SELECTOR_FIELDS[groupKind(obj)];
        if (!where || !containsAll(getPath(obj, where), spec.from)) return;
        // Set the new labels before removing old ones, so the selector never becomes empty (empty selects everything).
        for (const [k, v] of Object.entries(spec.to)) edit.set([...where, k], v);
        for (const k of Object.keys(spec.from)) if (!(k in spec.to)) edit.remove([...where, k]);
        if (groupKind(obj) === 'networking.istio.io/Gateway') gateways++;
        else policies.push(edit.identity);
      },
      finish() {
        if (gateways === 0 && policies.length === 0) return;
        if (policies.length > 0)
          run.note(
            'INFO',
            `workload selectors of ${policies.join(', ')} picked the gateway pods labelled ${formatLabels(spec.from)}; they now pick ${formatLabels(spec.to)} too`,
          );
        const left = gatewayWorkloads(run.objects, spec.from);
        const tail = `Istio config now selects ${formatLabels(spec.to)}; deploy the new gateway with these pod labels. meshferry changes Istio config only, never gateway Deployments or Services`;
        if (left.length > 0) run.note('WARNING', `${tail}. These still carry or select ${formatLabels(spec.from)} and were left alone: ${left.join(', ')}`);
        else run.note('INFO', `${tail}.`);
      },
    };
  },
};
