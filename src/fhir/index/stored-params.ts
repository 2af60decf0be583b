import type { SearchParameter } from '@medplum/fhirtypes';
import type { R4Definitions } from '../definitions';
import { membersFor } from './expressions';

/**
 * Parameters whose index rows another parameter of the type already holds, so they keep none:
 *
 * - **Narrowed references.** R4 defines 48 reference parameters as another narrowed to one target
 *   type: Observation `patient` is `Observation.subject.where(resolve() is Patient)` beside
 *   `subject` = `Observation.subject`; AuditEvent `patient` is its `agent` and `entity` references
 *   narrowed to Patients. Their rows would repeat the wide parameters' rows of that type: every
 *   clinical resource stored its patient twice, and the audit record of a search its twenty
 *   Patients twice — a quarter of PostgreSQL's time writing it. They are read as the wide
 *   parameters' rows with the target type. Their identifier tokens (`patient:identifier`) stay
 *   under their own name: a token row does not keep the reference's type.
 * - **Identical string parameters.** Patient, Person, Practitioner and RelatedPerson define
 *   `phonetic` with the same expression as `name`: eight of a Patient's 43 string rows. The one
 *   whose code sorts first (`name`) keeps the rows, sort key included.
 * - **Unions of others.** Observation's `combo-*` parameters are the union of two others:
 *   `combo-code` is `code | component-code`, `combo-value-quantity` is `value-quantity |
 *   component-value-quantity`, the composite `combo-code-value-quantity` is `code-value-quantity`
 *   (on the Observation) with `component-code-value-quantity` (on its components). Their rows
 *   repeated those: 8 of the 23 rows of a measured Observation. They are read as the rows of the
 *   parameters they unite. Strings are left out (a string's sort key is its first value, not the
 *   least of its rows), references too (narrowed references are their case).
 *
 * Searches, includes, sorts and compartments read them where they are (docs/search.md, "Stored
 * under another parameter").
 */

/** Where a parameter's rows are: under `params`, restricted to `targetType` for a narrowed reference. */
export interface StoredRows {
  params: string[];
  targetType?: string;
  /** In a search over several types that store the parameter differently: the types these rows are for. */
  types?: string[];
}

type ByType = ReadonlyMap<string, ReadonlyMap<string, StoredRows>>;

const computed = new WeakMap<R4Definitions['searchParams'], ByType>();

/** Parameter → where its rows are, by resource type, for the parameters stored under another. */
export function storedParams(defs: R4Definitions): ByType {
  let found = computed.get(defs.searchParams);
  if (!found) {
    found = findStoredElsewhere(defs.searchParams);
    computed.set(defs.searchParams, found);
  }
  return found;
}

/** Where the rows of `type`'s parameter `code` are stored. */
export function storedRows(defs: R4Definitions, type: string, code: string): StoredRows {
  return storedParams(defs).get(type)?.get(code) ?? { params: [code] };
}

/**
 * The same for a search over several types, one group per way they store it: most often one
 * group; `_type=Observation,AllergyIntolerance&patient=…` gives two (Observation's `patient` is
 * narrowed, AllergyIntolerance's is its own), each naming its types.
 */
export function storedRowsAcross(defs: R4Definitions, types: readonly string[], code: string): StoredRows[] {
  if (!types.length) return [{ params: [code] }];
  const groups = new Map<string, StoredRows & { types: string[] }>();
  for (const type of types) {
    const rows = storedRows(defs, type, code);
    const key = `${rows.params.join()}|${rows.targetType ?? ''}`;
    const group = groups.get(key);
    if (group) group.types.push(type);
    else groups.set(key, { ...rows, types: [type] });
  }
  const list = [...groups.values()];
  return list.length === 1 ? [{ params: list[0].params, targetType: list[0].targetType }] : list;
}

function findStoredElsewhere(searchParams: R4Definitions['searchParams']): ByType {
  const byType = new Map<string, Map<string, StoredRows>>();
  const put = (type: string, code: string, rows: StoredRows): void => {
    if (!byType.has(type)) byType.set(type, new Map());
    byType.get(type)!.set(code, rows);
  };
  for (const [type, params] of searchParams) {
    const own = (kind: string): SearchParameter[] =>
      [...params.values()].filter((sp) => sp.type === kind && sp.expression && !sp.code!.startsWith('_')).sort(byCode);
    narrowedReferences(type, own('reference')).forEach((rows, code) => put(type, code, rows));
    identicalStrings(type, own('string')).forEach((rows, code) => put(type, code, rows));
    for (const kind of UNITED_TYPES) unionsOfOthers(type, own(kind)).forEach((rows, code) => put(type, code, rows));
  }
  return byType;
}

/** Types whose rows are the same under whichever parameter extracts them (not string: sort keys). */
const UNITED_TYPES = ['token', 'quantity', 'number', 'date', 'uri', 'composite'];

/**
 * Parameter → the others of its type (and, for a composite, the same component expressions) whose
 * members together are exactly its own, each holding some of them. A parameter that is itself such
 * a union does not hold another's rows.
 */
function unionsOfOthers(type: string, params: SearchParameter[]): Map<string, StoredRows> {
  const shapes = params.map((sp) => ({ sp, texts: new Set(membersFor(sp.expression!, type).map((m) => m.text)), components: JSON.stringify(sp.component?.map((c) => c.expression) ?? []) }));
  const coversOf = (p: (typeof shapes)[number], among: typeof shapes): typeof shapes =>
    among.filter((q) => q !== p && q.components === p.components && q.texts.size > 0 && q.texts.size < p.texts.size && [...q.texts].every((t) => p.texts.has(t)));
  const isUnion = (p: (typeof shapes)[number], among: typeof shapes): boolean => {
    const covers = coversOf(p, among);
    return covers.length > 1 && new Set(covers.flatMap((q) => [...q.texts])).size === p.texts.size;
  };
  const holders = shapes.filter((p) => !isUnion(p, shapes));
  const found = new Map<string, StoredRows>();
  for (const p of shapes) {
    if (holders.includes(p) || !isUnion(p, holders)) continue;
    found.set(p.sp.code!, { params: coversOf(p, holders).map((q) => q.sp.code!) });
  }
  return found;
}

/** Narrow reference parameter → the wide parameters that together index every member of it. */
function narrowedReferences(type: string, references: SearchParameter[]): Map<string, StoredRows> {
  const found = new Map<string, StoredRows>();
  const wide = references
    .map((sp) => ({ code: sp.code!, members: membersFor(sp.expression!, type) }))
    .filter((w) => w.members.length && w.members.every((m) => !m.resolveIs))
    .map((w) => ({ code: w.code, texts: new Set(w.members.map((m) => m.text)) }));
  for (const sp of references) {
    const members = membersFor(sp.expression!, type);
    const targets = new Set(members.map((m) => m.resolveIs));
    if (!members.length || targets.size !== 1 || targets.has(undefined)) continue;
    const texts = new Set(members.map((m) => m.text));
    const covering = wide.filter((w) => [...w.texts].every((t) => texts.has(t)));
    if (new Set(covering.flatMap((w) => [...w.texts])).size !== texts.size) continue;
    found.set(sp.code!, { params: covering.map((w) => w.code), targetType: [...targets][0]! });
  }
  return found;
}

/** String parameter → the first (by code) with exactly the same members. */
function identicalStrings(type: string, strings: SearchParameter[]): Map<string, StoredRows> {
  const found = new Map<string, StoredRows>();
  const first = new Map<string, string>();
  for (const sp of strings) {
    const members = membersFor(sp.expression!, type);
    if (!members.length) continue;
    const key = JSON.stringify(members.map((m) => m.text).sort());
    const keeper = first.get(key);
    if (keeper) found.set(sp.code!, { params: [keeper] });
    else first.set(key, sp.code!);
  }
  return found;
}

/**
 * The parameter by which resources of `type` form a hierarchy, for a reference's `:above` and
 * `:below` (R4 search.html, "searching hierarchies"): a reference to the type itself through its
 * `partOf` or `parent…` element (Location, Organization and Encounter `partof`/`part-of`, Task,
 * CarePlan, Specimen…). Other references to the same type (`replaces`, `previous`) are not trees.
 */
export function hierarchyOf(defs: R4Definitions, type: string): StoredRows | undefined {
  for (const sp of defs.searchParams.get(type)?.values() ?? []) {
    if (sp.type !== 'reference' || sp.target?.length !== 1 || sp.target[0] !== type || !sp.expression?.startsWith(`${type}.`)) continue;
    const element = sp.expression.slice(type.length + 1);
    if (element === 'partOf' || /^parent\w*$/.test(element)) return storedRows(defs, type, sp.code!);
  }
  return undefined;
}

const byCode = (a: SearchParameter, b: SearchParameter): number => (a.code! < b.code! ? -1 : a.code! > b.code! ? 1 : 0);
