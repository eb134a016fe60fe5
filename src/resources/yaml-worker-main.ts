// The parse worker's entry (see yaml-worker.ts): receives file texts, answers their fast reads in order.
import { parentPort } from 'node:worker_threads';
import { readFast } from './yaml-fast.js';
import { toWire } from './yaml-worker.js';

parentPort?.once('message', (texts: string[]) => {
  parentPort!.postMessage(texts.map((text) => toWire(readFast(text))));
});
