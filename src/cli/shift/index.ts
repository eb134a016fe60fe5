// `meshferry shift`: metric-gated progressive traffic shifts (TrafficShift), planned, run and steered from any process.
import { Option } from 'commander';
import type { Command } from 'commander';
import { addClusterFlags } from '../cluster-flags.js';
import { formatOption } from '../output-flags.js';
import type { OutputFormat } from '../io.js';
import { runShiftRequest, runShiftRollback, runShiftStatus } from './control.js';
import type { ShiftRequestVerb, ShiftTargetFlags } from './control.js';
import { runShiftPlan, runShiftRun } from './run.js';
import type { ShiftRunFlags } from './run.js';

const CONTROL_HELP = `
The request is recorded on the TrafficShift object (annotations shift.meshferry.dev/pause, resume-at, abort,
promote; "kubectl annotate" works too); the "shift run" driving the shift acts on it at its next tick.`;

export function registerShift(program: Command): void {
  const shift = program
    .command('shift')
    .summary('move traffic step by step under metric gates (TrafficShift), with rollback')
    .description(
      'Shift traffic from one destination to another in steps (a VirtualService\'s weights, two gateways\' load-balancer ' +
        'weights, an HTTPRoute\'s backendRefs), holding each step for an interval while Prometheus checks pass, and ' +
        'rolling back (gradually or at once) when they fail. The shift\'s state lives in the cluster as a TrafficShift ' +
        'object (its CRD is installed on first use), so any process can see and steer it, and a restarted "shift run" ' +
        'continues from the live weights. Someone else\'s edit of the weights pauses the shift; it is never overwritten.',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ meshferry shift plan shift.yaml                 # check against the live objects, print the steps
  $ meshferry shift run shift.yaml                  # drive it; Ctrl-C stops between ticks, run again continues
  $ meshferry shift status productcatalog-to-gke
  $ meshferry shift pause productcatalog-to-gke && meshferry shift resume productcatalog-to-gke
  $ meshferry shift abort productcatalog-to-gke --instant
  $ meshferry shift rollback orders-to-k8s -n shop  # after retire: put the deleted entries back`,
    );

  addClusterFlags(
    shift
      .command('plan')
      .summary('validate a TrafficShift file against the live objects and print its steps')
      .description(
        'Load the file (errors name file:line), find every target object, check that both sides are in the routes and ' +
          'who else manages the objects, read the live weights, and print the steps, the rollback and the checks\' PromQL. ' +
          'Nothing is written. Exit 0 when the shift can run, 2 when the file does not fit the live objects.',
      )
      .argument('<file>', 'TrafficShift file (- for stdin)')
      .addOption(formatOption(['table', 'yaml', 'json']))
      .addHelpText('after', '\nExamples:\n  $ meshferry shift plan shift.yaml\n  $ meshferry shift plan shift.yaml --context cluster1 -o json'),
    'context of the cluster that holds the TrafficShift object and of targets that name no context',
  ).action(async (file: string, flags: { kubeconfig?: string; context?: string; output: OutputFormat }) => {
    process.exitCode = await runShiftPlan(file, flags);
  });

  addClusterFlags(
    shift
      .command('run')
      .summary('drive a shift to its end: exit 0 succeeded, 1 rolled back or failed, 130 interrupted')
      .description(
        'Apply the TrafficShift to the cluster and drive it: each tick re-reads the object and the live weights, ' +
          'judges the checks once per interval and writes the next weight. Progress goes to stderr: the step, the ' +
          'weights of every target, each check\'s value against its bound. A Prometheus that is down or answers an ' +
          'error holds the shift (counted apart from failed checks, up to consecutiveErrorLimit). Exit 0 when the ' +
          'shift succeeds; 1 when it rolls back, fails or is aborted (the failed checks and their values are named); ' +
          '130 on Ctrl-C, after the tick in flight is recorded: run the same command again to continue from the live ' +
          'weights.',
      )
      .argument('<file>', 'TrafficShift file (- for stdin)')
      .option('--allow-shared-owner', 'shift even when another field manager (a GitOps controller) also manages the weights\' object')
      .option('--restart', 'start a shift that has ended over again (clears its status and requests), from the live weights')
      .option('--dry-run', 'read the live weights, then move them in memory only (no cluster is changed, no TrafficShift is written)')
      .addOption(new Option('--poll-ms <ms>', 'longest pause between two looks at the object (default one interval within 0.5-10 s)').argParser(Number).hideHelp())
      .addHelpText(
        'after',
        `
Examples:
  $ meshferry shift run shift.yaml
  $ meshferry shift run shift.yaml --context cluster1 --allow-shared-owner
  $ meshferry shift run shift.yaml --restart          # after a rollback, try again`,
      ),
    'context of the cluster that holds the TrafficShift object and of targets that name no context',
  ).action(async (file: string, flags: ShiftRunFlags) => {
    process.exitCode = await runShiftRun(file, flags);
  });

  const named = (cmd: Command): Command =>
    addClusterFlags(cmd.argument('<name>', 'the TrafficShift\'s metadata.name').addOption(new Option('-n, --namespace <ns>', 'the TrafficShift\'s namespace').default('default')));

  named(
    shift
      .command('status')
      .summary('show a shift\'s phase, weight, last checks and the weights it wrote')
      .description('Read the TrafficShift object\'s status. Exit 0 while it runs or when it succeeded, 1 when it rolled back, failed or was aborted.')
      .addOption(formatOption(['table', 'yaml', 'json']))
      .addHelpText('after', '\nExamples:\n  $ meshferry shift status productcatalog-to-gke\n  $ meshferry shift status productcatalog-to-gke -n shop -o json'),
  ).action(async (name: string, flags: ShiftTargetFlags & { output: OutputFormat }) => {
    process.exitCode = await runShiftStatus(name, flags);
  });

  const verbs: [ShiftRequestVerb, string, string][] = [
    ['pause', 'hold a shift at its current weight until resumed', 'Pause at the current weight: no checks, no writes.'],
    ['resume', 'continue a paused shift from the live weights', 'Resume a shift paused by request or by someone else\'s edit; an edited weight is adopted as the current step.'],
    ['promote', 'write the last step now and end the shift as succeeded', 'Skip the remaining steps and checks: the last step is written at once.'],
    ['abort', 'roll back now (the file\'s rollback mode; --instant for straight to 0)', 'Roll back at once, gradually through rollback.steps or, with --instant, straight to 0. The shift ends as Aborted.'],
  ];
  for (const [verb, summary, description] of verbs) {
    const cmd = named(shift.command(verb).summary(summary).description(description + CONTROL_HELP));
    if (verb === 'abort') cmd.option('--instant', 'straight to weight 0').option('--gradual', 'through rollback.steps (needs a gradual rollback in the file)');
    cmd.addHelpText('after', `\nExamples:\n  $ meshferry shift ${verb} productcatalog-to-gke${verb === 'abort' ? ' --instant' : ''}\n  $ meshferry shift ${verb} cart-cutover -n shop --context cluster1`);
    cmd.action(async (name: string, flags: ShiftTargetFlags & { instant?: boolean; gradual?: boolean }) => {
      process.exitCode = await runShiftRequest(verb, name, flags);
    });
  }

  named(
    shift
      .command('rollback')
      .summary('put back the entries retire deleted (a VM\'s ServiceEntry), from the journal')
      .description(
        'Re-create every object the shift\'s retire deleted, exactly as the journal beside the TrafficShift recorded it ' +
          '(without resourceVersion, uid or managedFields), under field manager meshferry, newest first. An object of ' +
          'that name that exists now is left alone: fine when it holds the recorded spec, labels and annotations, ' +
          'refused (exit 1) when it holds something else. Each restore is journaled, so running it again is safe. ' +
          'Traffic weights are not changed: "shift abort" rolls traffic back while a shift runs.',
      )
      .addHelpText('after', '\nExamples:\n  $ meshferry shift rollback orders-to-k8s -n shop\n  $ meshferry shift rollback orders-to-k8s -n shop --context vm-cluster'),
  ).action(async (name: string, flags: ShiftTargetFlags) => {
    process.exitCode = await runShiftRollback(name, flags);
  });
}
