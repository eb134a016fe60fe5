// A second thread for reading large inputs: half of the files are parsed by a worker while the main thread parses
// the other half. Only the fast strategies run there; anything else comes back for the main thread's precise path.
import { Worker } from 'node:worker_threads';
import type { FastDocument, FastRead } from './yaml-fast.js';

/**
 * One file's fast read as it crosses threads. The values travel as JSON text when JSON keeps them exactly (parsing
 * JSON is several times cheaper for the main thread than taking a structured clone); documents' texts travel as
 * offsets into the file's text, which the main thread already holds.
 */
export type WireRead =
  | null
  | { canonical: boolean; docs: { offset: number; length: number; firstLine: number; contentLine: number | undefined }[]; json: string }
  | { canonical: boolean; docs: { offset: number; length: number; firstLine: number; contentLine: number | undefined }[]; values: unknown[] };

export function toWire(read: FastRead | undefined): WireRead {
  if (!read) return null;
  const docs = read.docs.map((d) => ({ offset: d.offset, length: d.text.length, firstLine: d.firstLine, contentLine: d.contentLine }));
  const values = read.docs.map((d) => d.value);
  return values.every(jsonKeepsExactly) ? { canonical: read.canonical, docs, json: JSON.stringify(values) } : { canonical: read.canonical, docs, values };
}

export function fromWire(wire: WireRead, text: string): FastRead | undefined {
  if (wire === null) return undefined;
  const values = 'json' in wire ? (JSON.parse(wire.json) as unknown[]) : wire.values;
  const docs: FastDocument[] = wire.docs.map((d, i) => ({
    value: values[i],
    text: d.offset === 0 && d.length === text.length ? text : text.slice(d.offset, d.offset + d.length),
    offset: d.offset,
    firstLine: d.firstLine,
    contentLine: d.contentLine,
  }));
  return { canonical: wire.canonical, docs };
}

/** JSON turns NaN and ±Infinity into null and -0 into 0; YAML can say all of them (.nan, .inf, 1e999, -0.0). */
export function jsonKeepsExactly(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object':
      if (v === null) return true;
      if (Array.isArray(v)) return v.every(jsonKeepsExactly);
      if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return false;
      for (const key of Object.keys(v)) if (!jsonKeepsExactly((v as Record<string, unknown>)[key])) return false;
      return true;
    default:
      return false;
  }
}

/** The worker's entry, beside this module in dist/. */
const WORKER_URL = new URL('./yaml-worker-main.js', import.meta.url);

/**
 * Fast reads of `texts` done on another thread, in order; undefined if the worker cannot start or fails (the
 * caller then parses them itself: the worker only ever saves time).
 */
export function readFastInWorker(texts: readonly string[]): Promise<(FastRead | undefined)[] | undefined> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(WORKER_URL);
    } catch {
      resolve(undefined);
      return;
    }
    // Not unref'd: the caller may have nothing else keeping the process alive while it waits. The worker ends by
    // itself once it has answered (it listens for one message only), so it never holds the process past its work.
    let settled = false;
    const settle = (v: (FastRead | undefined)[] | undefined) => {
      if (settled) return;
      settled = true;
      resolve(v);
      void worker.terminate();
    };
    worker.once('message', (wire: WireRead[]) => {
      settle(Array.isArray(wire) && wire.length === texts.length ? wire.map((w, i) => fromWire(w, texts[i]!)) : undefined);
    });
    worker.once('error', () => settle(undefined));
    worker.once('exit', () => settle(undefined));
    worker.postMessage(texts);
  });
}
