import type { HumanName, RelatedPerson } from '@medplum/fhirtypes';

/**
 * Who may care for a resident (a parent for a young child, domain README §1), in the words staff and
 * residents read: the sign-in's carers (src/auth/carers.ts), the resident summary and the registers
 * name a carer with their relationship.
 */

/** The relationships a carer may have to a dependant (v3 RoleCode), with the words staff and residents see. */
export const CARER_ROLES: Readonly<Record<string, { display: string; vi: string }>> = {
  MTH: { display: 'mother', vi: 'mẹ' },
  FTH: { display: 'father', vi: 'bố' },
  STPMTH: { display: 'stepmother', vi: 'mẹ kế' },
  STPFTH: { display: 'stepfather', vi: 'bố dượng' },
  GRMTH: { display: 'grandmother', vi: 'bà' },
  GRFTH: { display: 'grandfather', vi: 'ông' },
  GUARD: { display: 'guardian', vi: 'người giám hộ' },
};

/** The CARER_ROLES code of a RelatedPerson's relationship; undefined for a contact who is no carer of ours. */
export function carerRole(related: RelatedPerson): string | undefined {
  return related.relationship?.flatMap((r) => r.coding ?? []).find((c) => Object.hasOwn(CARER_ROLES, c.code ?? ''))?.code;
}

/** A Vietnamese name as it is read: family, middle, given. */
export function nameText(name: HumanName | undefined): string | undefined {
  if (!name) return undefined;
  return name.text ?? ([name.family, ...(name.given ?? [])].filter(Boolean).join(' ') || undefined);
}
