import type { SearchParameter } from '@medplum/fhirtypes';
import type { R4Definitions } from '../definitions';
import { membersFor } from './expressions';

/**
 * R4 defines many reference parameters as another parameter of the same type narrowed to one
 * target type: Observation `patient` is `Observation.subject.where(resolve() is Patient)` beside
 * `subject` = `Observation.subject`; AuditEvent `patient` is its `agent` and `entity` references
 * narrowed to Patients. Their reference rows would repeat the wider parameter's rows that point
 * at that type: every clinical resource stored its patient twice, and the audit record of a search
 * its twenty Patients twice — a quarter of PostgreSQL's time writing it. So the narrow parameter
 * keeps no reference rows of its own; searches, includes and compartments read it as the wide
 * parameter's rows with that target type (docs/search.md, "Reference rows"). Its identifier
 * tokens (`patient:identifier`) stay under its own name: a token row does not keep the type.
 */

/** Where a reference parameter's rows are: under `params`, restricted to `targetType` when narrowed. */
export interface ReferenceRows {
  params: string[];
  targetType?: string;
  /** In a search over several types that store the parameter differently: the types these rows are for. */
  types?: string[];
}

/** A narrowed parameter's rows: always a target type. */
type NarrowedRows = { params: string[]; targetType: string };

type Narrowed = ReadonlyMap<string, ReadonlyMap<string, NarrowedRows>>;

const computed = new WeakMap<R4Definitions['searchParams'], Narrowed>();

/** Narrow parameter → its wide parameter and target type, by resource type. */
export function narrowedReferences(defs: R4Definitions): Narrowed {
  let narrowed = computed.get(defs.searchParams);
  if (!narrowed) {
    narrowed = findNarrowed(defs.searchParams);
    computed.set(defs.searchParams, narrowed);
  }
  return narrowed;
}

/** Where the reference rows of `type`'s parameter `code` are stored. */
export function referenceRows(defs: R4Definitions, type: string, code: string): ReferenceRows {
  return narrowedReferences(defs).get(type)?.get(code) ?? { params: [code] };
}

/**
 * The same for a search over several types, one group per way they store it: most often one
 * group; `_type=Observation,AllergyIntolerance&patient=…` gives two (Observation's `patient` is
 * narrowed, AllergyIntolerance's is its own), each naming its types.
 */
export function referenceRowsAcross(defs: R4Definitions, types: readonly string[], code: string): ReferenceRows[] {
  if (!types.length) return [{ params: [code] }];
  const groups = new Map<string, ReferenceRows & { types: string[] }>();
  for (const type of types) {
    const rows = referenceRows(defs, type, code);
    const key = `${rows.params.join()}|${rows.targetType ?? ''}`;
    const group = groups.get(key);
    if (group) group.types.push(type);
    else groups.set(key, { ...rows, types: [type] });
  }
  const list = [...groups.values()];
  return list.length === 1 ? [{ params: list[0].params, targetType: list[0].targetType }] : list;
}

function findNarrowed(searchParams: R4Definitions['searchParams']): Narrowed {
  const byType = new Map<string, Map<string, NarrowedRows>>();
  for (const [type, params] of searchParams) {
    const references = [...params.values()].filter((sp) => sp.type === 'reference' && sp.expression && !sp.code!.startsWith('_')).sort(byCode);
    // Parameters that narrow nothing, with the member texts they index.
    const wide = references
      .map((sp) => ({ code: sp.code!, members: membersFor(sp.expression!, type) }))
      .filter((w) => w.members.length && w.members.every((m) => !m.resolveIs))
      .map((w) => ({ code: w.code, texts: new Set(w.members.map((m) => m.text)) }));
    for (const sp of references) {
      const members = membersFor(sp.expression!, type);
      const targets = new Set(members.map((m) => m.resolveIs));
      if (!members.length || targets.size !== 1 || targets.has(undefined)) continue;
      // Wide parameters whose members are all among the narrow one's, which together index every member.
      const texts = new Set(members.map((m) => m.text));
      const covering = wide.filter((w) => [...w.texts].every((t) => texts.has(t)));
      const covered = new Set(covering.flatMap((w) => [...w.texts]));
      if (covered.size !== texts.size) continue;
      if (!byType.has(type)) byType.set(type, new Map());
      byType.get(type)!.set(sp.code!, { params: covering.map((w) => w.code), targetType: [...targets][0]! });
    }
  }
  return byType;
}

const byCode = (a: SearchParameter, b: SearchParameter): number => (a.code! < b.code! ? -1 : a.code! > b.code! ? 1 : 0);
