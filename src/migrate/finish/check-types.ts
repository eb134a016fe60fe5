// The finish checks' common shape (issue 13 point 8): a named check with a verdict and its evidence, shared by InPlace and CrossCluster.

/** pass; fail; notProven (no data: never a pass); skipped (does not apply to this migration). */
export type FinishVerdict = 'pass' | 'fail' | 'notProven' | 'skipped';

/** The checks a migration must pass before Finished, and before `migrate finish --execute` removes anything. */
export type FinishCheckName = 'SourcePods' | 'OldGatewayTraffic' | 'ConfigParity' | 'VendorTraces';

export interface FinishCheck {
  name: FinishCheckName;
  verdict: FinishVerdict;
  /** What the verdict rests on, one line each: objects with their context, a PromQL query and its answer. */
  evidence: string[];
  /**
   * The failure (or the lack of proof) can end by waiting alone (pods still terminating after a scale-down; an old
   * gateway's counter that moved inside the window before the traffic left it): the engine waits (up to
   * verify.timeout) instead of failing. Waiting never makes it a pass: the check must be run again and pass.
   */
  transient?: boolean;
}

/** Whether a set of checks lets the migration finish: every one passes or does not apply. */
export function finishChecksPass(checks: readonly FinishCheck[]): boolean {
  return checks.every((c) => c.verdict === 'pass' || c.verdict === 'skipped');
}
