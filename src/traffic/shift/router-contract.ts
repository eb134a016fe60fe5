// The router interface the shift loop is written against, as agreed with s-routers; replaced by their src/traffic/routers/ when it lands.
import type { Reporter } from '../gates/templates.js';

/** `spec.router` as the file writes it: exactly one kind. */
export interface RouterSpec {
  virtualService?: {
    targets: { context: string; name: string; namespace?: string; from?: Endpoint; to?: Endpoint; routes?: string[] }[];
    from: Endpoint;
    to: Endpoint;
    routes?: string[];
  };
  lbWeight?: { provider: 'ack' | 'annotation'; annotationKey?: string; from: { context: string; service: string }; to: { context: string; service: string } };
  httpRoute?: { targets: { context: string; name: string; namespace?: string }[]; from: { backendRef: unknown }; to: { backendRef: unknown } };
}

export interface Endpoint {
  host: string;
  subset?: string;
  port?: number;
}

/** One object whose weights a router moves. */
export interface WeightTarget {
  context: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** The weights as the cluster holds them now, one entry per target. */
export interface LiveWeights {
  targets: { target: WeightTarget; to: number; raw: unknown; resourceVersion: string }[];
}

export type RouterOutcome = 'succeeded' | 'rolledBack' | 'failed' | 'aborted';

/** Moves the weight of "to" on every target of one router. */
export interface Router {
  readonly kind: string;
  readonly reporter: Reporter;
  validate(): Promise<{ problems: string[]; warnings: string[] }>;
  read(): Promise<LiveWeights>;
  write(to: number, expected: LiveWeights): Promise<LiveWeights>;
  finalize(outcome: RouterOutcome): Promise<void>;
}
