// Asks the API server what the current user may do (SelfSubjectAccessReview), one question per verb and resource.
import { ClusterError } from '../../errors.js';
import { resourcePath } from '../../kube/discovery.js';
import type { ObjectClient } from '../../kube/object-client.js';
import { mapLimit } from '../../concurrency.js';
import { isPlainObject } from '../../resources/object.js';

/** One permission a plan needs. */
export interface AccessCheck {
  verb: string;
  /** API group, '' for core. */
  group: string;
  /** Plural resource (`namespaces`), optionally with a subresource (`deployments/scale`). */
  resource: string;
  /** Absent: cluster-wide (every namespace). */
  namespace?: string;
}

export interface AccessAnswer extends AccessCheck {
  allowed: boolean;
  /** The authorizer's reason, when it gave one. */
  reason: string;
}

/** Answers each check with a SelfSubjectAccessReview (authorization.k8s.io/v1), as `kubectl auth can-i` does. */
export async function checkAccess(client: ObjectClient, checks: readonly AccessCheck[]): Promise<AccessAnswer[]> {
  const ssar = client.discovery.resourceFor('authorization.k8s.io', 'SelfSubjectAccessReview');
  if (!ssar)
    throw new ClusterError('NotServed', 'the cluster does not serve authorization.k8s.io SelfSubjectAccessReview, so meshferry cannot check its permissions', { context: client.transport.contextName });
  return mapLimit([...checks], 8, async (check) => {
    const [resource, subresource] = check.resource.split('/');
    const review = {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: {
          verb: check.verb,
          group: check.group,
          resource,
          ...(subresource ? { subresource } : {}),
          ...(check.namespace ? { namespace: check.namespace } : {}),
        },
      },
    };
    // Not ObjectClient.create: a review comes back without metadata.name, which its object check rightly refuses.
    const res = await client.transport.requestJson({ method: 'POST', path: resourcePath(ssar), body: JSON.stringify(review), what: `review access: ${describeAccess(check)}` });
    const status = isPlainObject(res.body) && isPlainObject(res.body.status) ? res.body.status : {};
    return { ...check, allowed: status.allowed === true && status.denied !== true, reason: typeof status.reason === 'string' ? status.reason : '' };
  });
}

/** `update deployments.apps in shop`: how a check reads in a message. */
export function describeAccess(check: AccessCheck): string {
  const res = check.group ? `${check.resource}.${check.group}` : check.resource;
  return `${check.verb} ${res}${check.namespace ? ` in namespace ${check.namespace}` : ' (all namespaces)'}`;
}
