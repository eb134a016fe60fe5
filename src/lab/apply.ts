// Server-side apply of a handful of objects straight over HTTPS (no kubectl start-up, no full discovery).
import { LabError } from '../errors.js';
import { isPlainObject } from '../resources/object.js';
import type { KubeObject } from '../resources/object.js';
import type { LabApiClient } from './api-client.js';

interface ResourceInfo {
  name: string;
  namespaced: boolean;
}

/** The field manager of everything the lab itself creates. */
export const LAB_FIELD_MANAGER = 'meshferry-lab';

function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/**
 * Applies objects with server-side apply (field manager meshferry-lab, conflicts forced), in parallel: the
 * objects a chart renders do not depend on each other's existence. Resources are found through discovery of
 * just the group-versions involved. All failures are collected into one error.
 */
export async function applyObjects(client: LabApiClient, objects: readonly KubeObject[]): Promise<void> {
  const discovery = new Map<string, Promise<Map<string, ResourceInfo>>>();
  const resourcesOf = (apiVersion: string) => {
    let hit = discovery.get(apiVersion);
    if (!hit) {
      hit = client.get(groupVersionPath(apiVersion)).then((r) => {
        const byKind = new Map<string, ResourceInfo>();
        const list = isPlainObject(r.body) && Array.isArray(r.body.resources) ? r.body.resources : [];
        for (const res of list) {
          if (!isPlainObject(res) || typeof res.name !== 'string' || res.name.includes('/') || typeof res.kind !== 'string') continue;
          byKind.set(res.kind, { name: res.name, namespaced: res.namespaced === true });
        }
        return byKind;
      });
      discovery.set(apiVersion, hit);
    }
    return hit;
  };

  const problems: string[] = [];
  await Promise.all(
    objects.map(async (obj) => {
      const id = `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
      const res = (await resourcesOf(obj.apiVersion)).get(obj.kind);
      if (!res) {
        problems.push(`${id}: the API server serves no ${obj.kind} in ${obj.apiVersion}`);
        return;
      }
      const ns = res.namespaced ? `/namespaces/${encodeURIComponent(obj.metadata.namespace ?? 'default')}` : '';
      const url = `${groupVersionPath(obj.apiVersion)}${ns}/${res.name}/${encodeURIComponent(obj.metadata.name)}?fieldManager=${LAB_FIELD_MANAGER}&force=true`;
      // JSON is YAML, so the apply content type takes the object as it is.
      const r = await client.request('PATCH', url, { body: obj, contentType: 'application/apply-patch+yaml' });
      if (r.status < 200 || r.status >= 300) {
        const msg = isPlainObject(r.body) && typeof r.body.message === 'string' ? r.body.message : r.text;
        problems.push(`${id}: ${r.status || 'no answer'} ${msg}`);
      }
    }),
  );
  if (problems.length > 0) throw new LabError(`server-side apply failed for ${problems.length} object(s):\n  ${problems.sort().join('\n  ')}`);
}
