// What a shift checks before its first write (the router against the live objects, other owners of the weights) and the gate it asks: one code path for `shift run` and a migration's wave shifts.
import { InputErrors, UsageError } from '../../errors.js';
import type { Problem } from '../../errors.js';
import { PrometheusGate } from '../gates/prometheus.js';
import type { Router, RouterProblem } from '../routers/router.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import type { LoadedTrafficShift, TrafficShiftSpec } from './spec.js';

/** The router kind a file names, as its field is spelled under `spec.router`. */
export function routerKind(file: LoadedTrafficShift): string {
  const r = file.value.spec.router;
  return r.virtualService ? 'virtualService' : r.lbWeight ? 'lbWeight' : 'httpRoute';
}

/** A router problem in words: the object, the field, the message. */
export function describeRouterProblem(p: RouterProblem): string {
  return `${p.target}${p.field ? ` ${p.field}` : ''}: ${p.message}`;
}

/** The router's problems as file problems at `spec.router.<kind>`: a host in no route is a fault of the file. */
export function problemsAsInput(file: LoadedTrafficShift, problems: readonly RouterProblem[]): InputErrors | undefined {
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length === 0) return undefined;
  const position = file.locate(['spec', 'router', routerKind(file)]);
  const list: Problem[] = errors.map((p) => ({ message: describeRouterProblem(p), position, fieldPath: `spec.router.${routerKind(file)}` }));
  return new InputErrors(`${file.file}: the TrafficShift does not fit the live objects (${errors.length} problem${errors.length === 1 ? '' : 's'}):`, list, 'InvalidTrafficShift');
}

/**
 * The refusal (exit 2) of weights another field manager also owns: its next sync (GitOps) would undo the shift.
 * `remedy` is the caller's last sentence (how to go on anyway).
 */
export function sharedOwnerRefusal(problems: readonly RouterProblem[], remedy: string): UsageError | undefined {
  const shared = problems.filter((p) => p.code === 'SharedOwner');
  if (shared.length === 0) return undefined;
  return new UsageError(
    sanitizeTerminalText(
      `another field manager owns the weights' object, so its next sync would undo the shift: ${shared.map((p) => `${p.target} (${p.owner ?? 'unknown manager'})`).join(', ')}. ${remedy}`,
    ),
  );
}

export interface PreflightOptions {
  /** Shift even when another field manager owns the weights (`shift run --allow-shared-owner`, and dry runs). */
  allowSharedOwner: boolean;
  /** The last sentence of the shared-owner refusal: how this caller goes on anyway. */
  sharedOwnerRemedy: string;
}

/**
 * The router checked against the live objects before the first write: errors are the file's (InputErrors, exit 2,
 * at the router's line), another owner of the weights is refused (UsageError, exit 2) unless allowed. Returns the
 * warnings, for the caller to show.
 */
export async function preflightShift(file: LoadedTrafficShift, router: Router, opts: PreflightOptions): Promise<RouterProblem[]> {
  const problems = await router.validate();
  const bad = problemsAsInput(file, problems);
  if (bad) throw bad;
  if (!opts.allowSharedOwner) {
    const refusal = sharedOwnerRefusal(problems, opts.sharedOwnerRemedy);
    if (refusal) throw refusal;
  }
  return problems.filter((p) => p.severity === 'warning');
}

/** The metric gate of a spec's `gates` (its own Prometheus), or undefined for a shift without gates. */
export function shiftGate(spec: Pick<TrafficShiftSpec, 'gates'>): PrometheusGate | undefined {
  return spec.gates ? new PrometheusGate(spec.gates.prometheus.address) : undefined;
}
