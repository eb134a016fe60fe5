// Which cluster a migration's journal entry acts on: the home cluster (where the MeshMigration lives) or another context the spec names, each opened once.
import { ExitCode, MeshferryError } from '../errors.js';
import type { JournalEntry, JournalTarget } from '../journal/journal.js';
import type { ObjectClient } from '../kube/object-client.js';
import { sanitizeTerminalText } from '../terminal-text.js';
import type { ClusterSet } from '../traffic/routers/router.js';

/** Error code of an entry whose context the migration does not use. */
export const FOREIGN_CONTEXT = 'JournalForeignContext';

export interface MigrationClustersOptions {
  /**
   * Opens the other contexts: a KubeconfigClusterSet shared with the traffic routers, so each context is opened
   * and discovered once per process.
   */
  set?: ClusterSet;
  /** The contexts the spec names (source, target, target.clusters, waves[].cluster). Home is always allowed. */
  allowed?: Iterable<string>;
}

/** A target in words, with its cluster when it is not home. Journal text, so terminal controls are dropped. */
export function describeTarget(t: JournalTarget): string {
  const where = t.context === undefined ? '' : ` in context "${t.context}"`;
  return sanitizeTerminalText(`${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}${where}`, { oneLine: true });
}

/** A journal entry in words, for messages that refuse or settle it. */
export function describeEntry(e: JournalEntry): string {
  return `journal entry ${e.seq} (${sanitizeTerminalText(e.step, { oneLine: true })}${e.target ? ` ${describeTarget(e.target)}` : ''})`;
}

/**
 * The clients a migration reads and writes through. A journal target without `context` is in the home cluster,
 * so every journal written before entries named their cluster stays valid. The journal is ConfigMaps that others
 * may write, so an entry naming a context the spec does not name is refused, never followed: otherwise an edited
 * entry could aim a resume or rollback at any cluster of the operator's kubeconfig.
 */
export class MigrationClusters {
  readonly home: ObjectClient;
  readonly #set: ClusterSet | undefined;
  readonly #allowed: ReadonlySet<string>;

  constructor(home: ObjectClient, opts: MigrationClustersOptions = {}) {
    this.home = home;
    this.#set = opts.set;
    this.#allowed = new Set(opts.allowed ?? []);
  }

  /** A resolver whose only cluster is home (InPlace). */
  static homeOnly(home: ObjectClient): MigrationClusters {
    return new MigrationClusters(home);
  }

  /** The home cluster's kubeconfig context. */
  get homeContext(): string {
    return this.home.transport.contextName;
  }

  /** Why `context` may not be used for `what` (an entry or target in words), or undefined when it may. */
  refusal(context: string | undefined, what: string): string | undefined {
    if (this.#isHome(context) || (this.#set && this.#allowed.has(context!))) return undefined;
    const named = [this.homeContext, ...[...this.#allowed].filter((c) => c !== this.homeContext)].map((c) => `"${sanitizeTerminalText(c, { oneLine: true })}"`);
    return `${what} names context "${sanitizeTerminalText(context!, { oneLine: true })}", which this migration does not use (it uses ${named.join(', ')}); the entry may have been written by someone else, so meshferry leaves it alone`;
  }

  /** The client of `context` (undefined: home). Throws (exit 1) for a context the migration does not use. */
  async clientFor(context: string | undefined, what: string): Promise<ObjectClient> {
    const why = this.refusal(context, what);
    if (why) throw new MeshferryError(FOREIGN_CONTEXT, why, { exitCode: ExitCode.findings });
    if (this.#isHome(context)) return this.home;
    return this.#set!.client(context);
  }

  /** The client of the cluster a target lives in. */
  async clientOf(t: JournalTarget): Promise<ObjectClient> {
    return this.clientFor(t.context, describeTarget(t));
  }

  #isHome(context: string | undefined): boolean {
    return context === undefined || context === this.homeContext;
  }
}

/** Whether an error is the refusal of a foreign context (rollback names it and goes on with the other entries). */
export function isForeignContext(err: unknown): err is MeshferryError {
  return err instanceof MeshferryError && err.code === FOREIGN_CONTEXT;
}
