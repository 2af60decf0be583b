import type { Identifier, Resource } from '@medplum/fhirtypes';
import { type OperationOutcomeError, duplicate } from '../outcomes';

/**
 * A business identifier no two current resources of a type may share within a station — kept by a
 * database constraint on its index rows (a migration creates it), so it holds under any concurrency
 * and whatever path wrote. The domain declares its own (src/station/: the personal ID); the engine
 * turns the constraint's refusal into a 409 a person can act on.
 */
export interface UniqueIdentifier {
  /** The constraint's name in the database. */
  constraint: string;
  resourceType: string;
  system: string;
  /** What a person calls the identifier, in Vietnamese and English, as it starts a sentence. */
  label: { vi: string; en: string };
  /**
   * A person holds one value in a lifetime (a personal ID), unlike a record number, of which a
   * merged record keeps the old ones: two records holding different values are not merged.
   */
  onePerPerson?: boolean;
}

/** PostgreSQL's exclusion_violation: the constraints are exclusion constraints (partial and deferrable). */
const EXCLUSION_VIOLATION = '23P01';

/**
 * The 409 for a write refused by one of `uniques`' constraints, else undefined (another error).
 * `resource`, when known, names the value and where it is; a transaction's deferred creates,
 * written in one statement, cannot tell whose it was: the value is read from the refusal.
 */
export function identifierConflict(err: unknown, uniques: readonly UniqueIdentifier[], resource?: Resource): OperationOutcomeError | undefined {
  const { code, constraint } = (err ?? {}) as { code?: unknown; constraint?: unknown };
  if (code !== EXCLUSION_VIOLATION) return undefined;
  const unique = uniques.find((u) => u.constraint === constraint);
  if (!unique) {
    // An engine not told of the schema's constraint (tests on plain R4) still answers a conflict.
    return duplicate('Một định danh của tài nguyên này đã có ở một tài nguyên khác', 'An identifier of this resource is already held by another resource');
  }
  const held = resource?.resourceType === unique.resourceType ? heldValues(resource, unique.system) : [];
  const values = held.length ? held.map((h) => h.value).join(', ') : refusedValue(err);
  const vi = `${unique.label.vi}${values ? ` ${values}` : ''} đã được đăng ký cho một ${unique.resourceType === 'Patient' ? 'người' : 'hồ sơ'} khác; hãy tìm hồ sơ đó theo số này thay vì đăng ký lại`;
  const en = `${unique.label.en}${values ? ` ${values}` : ''} is already held by another ${unique.resourceType}; search for it by this identifier instead of registering it again`;
  return duplicate(vi, en, held.map((h) => `${unique.resourceType}.identifier[${h.index}]`));
}

/**
 * The value the database refused, from its detail (`Key (station_id, code)=(default, 0381…)
 * conflicts with existing key …`), for a write whose resource is not known here: the value
 * the client sent, told back to it.
 */
function refusedValue(err: unknown): string | undefined {
  const detail = (err as { detail?: unknown }).detail;
  return typeof detail === 'string' ? /^Key \(station_id, code\)=\([^,]*, (.*?)\) conflicts/.exec(detail)?.[1] : undefined;
}

function heldValues(resource: Resource, system: string): { value: string; index: number }[] {
  const identifiers = (resource as { identifier?: Identifier[] }).identifier ?? [];
  return identifiers.flatMap((id, index) => (id.system === system && id.value ? [{ value: id.value, index }] : []));
}
