// patch: the escape hatch, an RFC 6902 JSON Patch applied to the matching objects, each operation reported.
import { kindOf } from '../../resources/kinds.js';
import { cloneJson, isPlainObject } from '../../resources/object.js';
import { getPath, hasPath, pointerToPath } from '../field-path.js';
import { applyPatchOperation, showJson, type ShowValue } from '../json-patch.js';
import { compileMatch, type ObjectPredicate, type SpecProblem } from '../object-match.js';
import type { Rewriter } from '../rewriter.js';
import type { JsonPatchOperation } from '../types.js';

function describeOp(op: JsonPatchOperation, i: number): string {
  const path = op.path === '' ? '""' : op.path;
  return op.from !== undefined && (op.op === 'move' || op.op === 'copy') ? `operation ${i + 1} (${op.op} ${op.from} → ${path})` : `operation ${i + 1} (${op.op} ${path})`;
}

/** Values of a Secret are never shown, not even in an error about them. */
const hideValue: ShowValue = () => '<hidden>';

export const patch: Rewriter<'patch'> = {
  type: 'patch',
  summary: 'applies an RFC 6902 JSON Patch to the matching objects (the escape hatch)',
  check(spec, at, problems) {
    spec.jsonPatch.forEach((op, i) => {
      if (op.path === '' && op.op !== 'test')
        problems.push({ path: [...at, 'jsonPatch', i, 'path'], message: 'patch fields of the object, not the whole object (path "")' });
    });
  },
  select(spec, at, problems) {
    const { kind, namespace, name, ...lists } = spec.match;
    const tests: ObjectPredicate[] = [compileMatch(lists, [...at, 'match'], problems)];
    if (kind !== undefined) {
      const local: SpecProblem[] = [];
      tests.push(compileMatch({ kinds: [kind] }, [...at, 'match'], local));
      problems.push(...local.map((p) => ({ ...p, path: [...at, 'match', 'kind'] })));
    }
    if (namespace !== undefined) tests.push(compileMatch({ namespaces: [namespace] }, [...at, 'match'], problems));
    if (name !== undefined) tests.push(compileMatch({ names: [name] }, [...at, 'match'], problems));
    return (obj) => tests.every((t) => t(obj));
  },
  start(spec) {
    return {
      rewrite(obj, edit) {
        const metadataOnly = kindOf(obj.apiVersion, obj.kind)?.metadataOnly === true;
        for (const [i, op] of spec.jsonPatch.entries()) {
          // Secrets are read metadata-only; a patch must not be a way to write (or print) their data.
          if (metadataOnly && ![op.path, op.from ?? '/metadata'].every((p) => p === '/metadata' || p.startsWith('/metadata/'))) {
            edit.fail(`${describeOp(op, i)} touches ${edit.identity} outside /metadata; meshferry never reads or writes Secret data`, ['jsonPatch', i, 'path']);
            return;
          }
          const path = pointerToPath(op.path, obj);
          const existed = hasPath(obj, path);
          const before = existed ? cloneJson(getPath(obj, path)) : undefined;
          const fromPath = op.from === undefined ? undefined : pointerToPath(op.from, obj);
          const fromBefore = fromPath ? cloneJson(getPath(obj, fromPath)) : undefined;
          const failure = applyPatchOperation(obj, op, metadataOnly ? hideValue : showJson);
          if (failure !== undefined) {
            const hidden = failure.includes('<hidden>') ? ' (values of a Secret are never shown)' : '';
            edit.fail(`${describeOp(op, i)} cannot be applied to ${edit.origin}: ${failure}${hidden}`, ['jsonPatch', i]);
            return;
          }
          if (op.op === 'test') continue;
          if (op.op === 'move' && fromPath) edit.record('remove', fromPath, fromBefore, undefined);
          if (op.op === 'remove') edit.record('remove', path, before, undefined);
          // A list insertion shifts the items after it: there is no old value at that index.
          else edit.record('set', path, Array.isArray(getPath(obj, path.slice(0, -1))) && op.op === 'add' ? undefined : before, cloneJson(getPath(obj, path)));
        }
        const md = obj.metadata as unknown;
        if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string' || !isPlainObject(md) || typeof md.name !== 'string' || md.name === '')
          edit.fail(`the patch leaves ${edit.identity} without apiVersion, kind or metadata.name`, ['jsonPatch']);
      },
    };
  },
};
