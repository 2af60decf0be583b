import type { Identifier, Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../db/database';

/**
 * An identifier system whose values at most one current resource of a type may hold (the domain
 * registers them: the station's personal ID on Patients, src/station/rules/index.ts). A deleted
 * resource holds nothing: its index rows are gone with its deletion.
 */
export interface UniqueIdentifier {
  resourceType: string;
  system: string;
  /** The identifier's name in the 409 (Vietnamese, English), e.g. "Số định danh cá nhân (CCCD)". */
  label: { vi: string; en: string };
}

export interface UniqueClaim {
  rule: UniqueIdentifier;
  value: string;
}

/** The values of registered unique systems `resource` holds and `previous` (the version it replaces) did not. */
export function newClaims(rules: readonly UniqueIdentifier[], resource: Resource, previous: Resource | undefined): UniqueClaim[] {
  const held = (r: Resource | undefined, rule: UniqueIdentifier): string[] =>
    r?.resourceType === rule.resourceType ? (((r as { identifier?: Identifier[] }).identifier ?? []).filter((i) => i.system === rule.system && i.value).map((i) => i.value!)) : [];
  return rules.flatMap((rule) => {
    const before = new Set(held(previous, rule));
    return [...new Set(held(resource, rule))].filter((value) => !before.has(value)).map((value) => ({ rule, value }));
  });
}

/** The conditional query naming a claim: its lock is the one a conditional create on it takes. */
export const claimQuery = (claim: UniqueClaim): string => new URLSearchParams([['identifier', `${claim.rule.system}|${claim.value}`]]).toString();

/**
 * The id of another current resource holding the value, read from the index whatever the writer
 * may see (a resident's app must not register someone else's personal ID because it cannot read
 * that record).
 */
export async function holderOf(q: Queryable, stationId: string, claim: UniqueClaim, id: string): Promise<string | undefined> {
  const rows = await q.query<{ resource_id: string }>(
    `SELECT resource_id FROM idx_token WHERE station_id = $1 AND resource_type = $2 AND param = 'identifier' AND code = $3 AND system = $4 AND resource_id <> $5 LIMIT 1`,
    [stationId, claim.rule.resourceType, claim.value, claim.rule.system, id],
  );
  return rows[0]?.resource_id;
}
