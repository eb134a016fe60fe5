// How a journaled write that threw is recorded: failed only when the server refused it; otherwise left pending.
import { describe, expect, it } from 'vitest';
import { ClusterError } from '../errors.js';
import { KubeApiError } from '../kube/errors.js';
import { recordWriteError } from './act.js';

function journal() {
  const failed: number[] = [];
  return { failed, fail: (seq: number) => (failed.push(seq), Promise.resolve()) };
}

describe('recordWriteError', () => {
  it.each([
    ['a 422 (invalid): nothing was written', new KubeApiError(422, 'Invalid', 'spec.x: Invalid value'), true],
    ['a 409 (conflict): nothing was written', new KubeApiError(409, 'Conflict', 'the object has been modified'), true],
    ['a 403 (forbidden): nothing was written', new KubeApiError(403, 'Forbidden', 'forbidden'), true],
    ['no answer (the API server went away): it may have landed', new ClusterError('Unreachable', 'cannot reach the API server'), false],
    ['a 504 after the write reached etcd: it may have landed', new KubeApiError(504, 'Timeout', 'the server was unable to return a response in the time allotted'), false],
    ['a 500: it may have landed', new KubeApiError(500, 'InternalError', 'etcdserver: request timed out'), false],
    ['anything else thrown', new Error('socket hang up'), false],
  ])('%s', async (_why, err, fails) => {
    const j = journal();
    await recordWriteError(j, 7, err);
    expect(j.failed).toEqual(fails ? [7] : []);
  });
});
