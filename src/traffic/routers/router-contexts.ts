// The kubeconfig contexts a router spec names, each with its field: a context the kubeconfig lacks is the file's
// mistake, reported at that field's line before any cluster is opened.
import { InputError, type SourcePosition } from '../../errors.js';
import { kubeconfigFiles, listContexts, type KubeconfigOptions } from '../../kube/kubeconfig.js';
import { formatFieldPath } from '../../resources/meshferry-file.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import type { LbWeightService, RouterSpec } from './spec.js';

/** One context named in `spec.router`, with the path of the field that names it (from the file's root). */
export interface ContextField {
  context: string;
  path: (string | number)[];
}

/** Every `context` and lbWeight `configContext` in `spec.router`, in file order. */
export function routerContextFields(router: RouterSpec): ContextField[] {
  const out: ContextField[] = [];
  const add = (context: string | undefined, path: (string | number)[]) => {
    if (context !== undefined) out.push({ context, path: ['spec', 'router', ...path] });
  };
  router.virtualService?.targets.forEach((t, i) => add(t.context, ['virtualService', 'targets', i, 'context']));
  router.httpRoute?.targets.forEach((t, i) => add(t.context, ['httpRoute', 'targets', i, 'context']));
  const lb = router.lbWeight;
  if (lb) {
    const side = (s: LbWeightService | undefined, at: (string | number)[]) => {
      add(s?.context, ['lbWeight', ...at, 'context']);
      add(s?.configContext, ['lbWeight', ...at, 'configContext']);
    };
    side(lb.from, ['from']);
    side(lb.to, ['to']);
    lb.targets?.forEach((p, i) => {
      side(p.from, ['targets', i, 'from']);
      side(p.to, ['targets', i, 'to']);
    });
  }
  return out;
}

/** Refuses (exit 2, at the field's file:line) the first context of `spec.router` the kubeconfig does not define. */
export async function requireRouterContexts(router: RouterSpec, locate: (path: (string | number)[]) => SourcePosition, kubeconfig: KubeconfigOptions = {}): Promise<void> {
  const fields = routerContextFields(router);
  if (fields.length === 0) return;
  const known = (await listContexts(kubeconfig)).map((c) => c.name);
  const missing = fields.find((f) => !known.includes(f.context));
  if (!missing) return;
  const list = known.length ? `known contexts: ${known.join(', ')}` : 'it defines no contexts';
  throw new InputError(
    sanitizeTerminalText(`context "${missing.context}" is not in the kubeconfig (${kubeconfigFiles(kubeconfig).join(', ')}); ${list}. Fix ${formatFieldPath(missing.path)}`, { oneLine: true }),
    { position: locate(missing.path), code: 'ContextNotFound' },
  );
}
