// A ClusterSet over kubeconfig contexts: each context opened once (discovery included) and shared by every router.
import { openCluster, type Cluster, type OpenClusterOptions } from '../../kube/cluster.js';
import type { ObjectClient } from '../../kube/object-client.js';
import type { ClusterSet } from './router.js';

/** Opens contexts of one kubeconfig on first use; `close()` releases every connection. */
export class KubeconfigClusterSet implements ClusterSet {
  readonly #opts: Omit<OpenClusterOptions, 'context'>;
  readonly #open = new Map<string, Promise<Cluster>>();
  readonly #default: string | undefined;

  /** `opts.context` is the context used for targets that name none (the current context when absent). */
  constructor(opts: OpenClusterOptions = {}) {
    this.#opts = opts;
    this.#default = opts.context;
  }

  async client(context: string | undefined): Promise<ObjectClient> {
    const ctx = context ?? this.#default;
    const key = ctx ?? '';
    let hit = this.#open.get(key);
    if (!hit) {
      hit = openCluster({ ...this.#opts, ...(ctx === undefined ? {} : { context: ctx }) });
      this.#open.set(key, hit);
      hit.catch(() => this.#open.delete(key));
    }
    return (await hit).client;
  }

  close(): void {
    for (const c of this.#open.values()) void c.then((x) => x.close(), () => undefined);
    this.#open.clear();
  }
}
