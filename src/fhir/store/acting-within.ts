import type { AccessPolicy, Action } from '../access';
import type { Repository } from './repository';

/**
 * The caller's repository (same transaction, same actor in the audit trail) reaching only what
 * `grants` names, within `constraints`, whatever the caller's own role, scopes or compartment: for
 * the server's own bookkeeping — a booking's Slots, reminders and remote-care Consent, a resident's
 * withdrawal of their own consent — which code, never the client, steers.
 */
export function actingWithin(repo: Repository, grants: Record<string, readonly Action[]>, constraints: AccessPolicy['constraints'] = () => []): Repository {
  const policy: AccessPolicy = {
    actor: repo.ctx.access.actor,
    allows: (type, action) => grants[type]?.includes(action) ?? false,
    constraints,
  };
  return repo.as(policy, repo.ctx.audit);
}
