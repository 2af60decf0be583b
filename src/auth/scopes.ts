import type { Action } from '../fhir/access';

/**
 * SMART on FHIR scopes, v1 (`patient/Observation.read`) and v2 (`patient/Observation.rs?category=…`).
 * https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
 */
export interface ScopeRule {
  context: 'patient' | 'user' | 'system';
  /** Resource type or `*`. */
  type: string;
  actions: ReadonlySet<Action>;
  /** v2 constraints: search parameters a resource must match. */
  query: [string, string][];
}

const SCOPE = /^(patient|user|system)\/([A-Za-z]+|\*)\.(read|write|\*|c?r?u?d?s?)(?:\?(.*))?$/;
const V1: Record<string, Action[]> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ['c', 'r', 'u', 'd', 's'] };

/** Parses the resource scopes of a scope string; other scopes (openid, launch/patient…) are ignored here. */
export function parseScopes(scope: string): ScopeRule[] {
  const rules: ScopeRule[] = [];
  for (const token of scope.split(/\s+/).filter(Boolean)) {
    const m = SCOPE.exec(token);
    if (!m || m[3] === '') continue;
    const actions = V1[m[3]] ?? (m[3].split('') as Action[]);
    rules.push({ context: m[1] as ScopeRule['context'], type: m[2], actions: new Set(actions), query: [...new URLSearchParams(m[4] ?? '')] as [string, string][] });
  }
  return rules;
}

/**
 * The rules that grant `action` on `type`. For clients (system and patient context) AuditEvent is
 * never covered by a wildcard: only a scope that names it (`system/AuditEvent.rs`) reaches the
 * audit trail. For staff (user context) the auditor role decides (src/auth/roles.ts).
 */
export function grantingRules(rules: readonly ScopeRule[], type: string, action: Action): ScopeRule[] {
  return rules.filter((r) => typeCovers(r, type) && r.actions.has(action));
}

/** True when `holder` reaches every resource `type` may name (a wildcard never reaches AuditEvent for clients). */
function typeCovers(holder: ScopeRule, type: string): boolean {
  return holder.type === type || (holder.type === '*' && (type !== 'AuditEvent' || holder.context === 'user'));
}

/**
 * True when `rules` grant everything `wanted` asks for: each of its actions on its type, by a rule
 * whose constraints `wanted` carries too — `patient/Observation.rs?category=…|vital-signs` covers
 * `patient/Observation.r?category=…|vital-signs`, never the unconstrained `patient/Observation.rs`.
 */
export function scopeCovered(rules: readonly ScopeRule[], wanted: ScopeRule): boolean {
  const constrainedAlike = (r: ScopeRule): boolean => r.query.every(([k, v]) => wanted.query.some(([wk, wv]) => wk === k && wv === v));
  return [...wanted.actions].every((a) => rules.some((r) => r.context === wanted.context && typeCovers(r, wanted.type) && r.actions.has(a) && constrainedAlike(r)));
}

/**
 * The scopes of `requested` that `held` does not cover: a client registering another may give it
 * only what it holds itself (a resource scope covered, constraints included; any other scope as held).
 */
export function scopesBeyond(requested: string, held: string): string[] {
  const heldTokens = held.split(/\s+/).filter(Boolean);
  const heldRules = parseScopes(held);
  return requested
    .split(/\s+/)
    .filter(Boolean)
    .filter((token) => {
      const [rule] = parseScopes(token);
      return !heldTokens.includes(token) && !(rule && scopeCovered(heldRules, rule));
    });
}

const ACTION_ORDER: Action[] = ['c', 'r', 'u', 'd', 's'];

/**
 * What both a requested and a registered scope grant, as a scope token: the narrower type, the
 * actions of both, the constraints of both (undefined when they share nothing).
 */
function intersection(requested: string, registered: string): string | undefined {
  const [want] = parseScopes(requested);
  const [have] = parseScopes(registered);
  if (!want || !have || want.context !== have.context) return undefined;
  const type = typeCovers(have, want.type) ? want.type : typeCovers(want, have.type) ? have.type : undefined;
  const actions = ACTION_ORDER.filter((a) => want.actions.has(a) && have.actions.has(a));
  if (!type || !actions.length) return undefined;
  // The constraints as written (not re-encoded), the registered ones after the requested ones.
  const query = [requested.split('?')[1], registered.split('?')[1]].filter(Boolean).join('&');
  return `${want.context}/${type}.${actions.join('')}${query ? `?${query}` : ''}`;
}

/**
 * The scopes of `requested` that `allowed` (a client's registered scopes) grants. A resource scope
 * the registration covers is kept as asked; otherwise it is narrowed to what it shares with each
 * registered one, constraints included (`patient/Observation.cruds` for an app registered with
 * `patient/Observation.cruds?category=…|vital-signs` becomes the constrained one), or dropped.
 * Other scopes (openid, launch/patient…) are kept only when registered.
 */
export function narrowScopes(requested: string, allowed: string): string {
  const allowedTokens = allowed.split(/\s+/).filter(Boolean);
  const allowedRules = parseScopes(allowed);
  const granted = new Set<string>();
  for (const token of requested.split(/\s+/).filter(Boolean)) {
    const [rule] = parseScopes(token);
    if (allowedTokens.includes(token) || (rule && scopeCovered(allowedRules, rule))) {
      granted.add(token);
      continue;
    }
    if (!rule) continue;
    for (const registered of allowedTokens) {
      const shared = intersection(token, registered);
      if (shared) granted.add(shared);
    }
  }
  return [...granted].join(' ');
}
