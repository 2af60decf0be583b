import { loadR4Definitions, type R4Definitions } from '../../src/fhir/definitions';
import { checkedFilters, Reach, reachOf } from '../../src/fhir/search/driving';
import { parseSearch } from '../../src/fhir/search/parse';
import type { SearchRequest } from '../../src/fhir/search/request';

// Which filters may lead a search's plan (docs/search.md §4, "Where a plan starts"): the engine
// ranks them by kind, since a prepared statement's generic plan sees every equality as one row.
describe('where a search starts', () => {
  let defs: R4Definitions;
  beforeAll(() => (defs = loadR4Definitions()));

  const ctx = { stationId: 'default', timeZone: 'Asia/Ho_Chi_Minh', baseUrl: 'http://station.test/fhir' };
  const parse = (type: string, query: string, compartment?: { type: string; id: string }): SearchRequest =>
    parseSearch(type, [...new URLSearchParams(query)], defs, { compartment });
  /** The codes (with modifier) of the filters checked per candidate. */
  const checked = (req: SearchRequest): string[] => [...checkedFilters(req, ctx)].map((f) => (f.kind === 'value' ? `${f.code}${f.modifier ? `:${f.modifier}` : ''}` : f.kind));
  const reach = (type: string, query: string): Reach | undefined => reachOf(parse(type, query).filters[0], ctx);

  test('kinds of filter, narrowest first', () => {
    expect(reach('Observation', '_id=a,b')).toBe(Reach.Id);
    expect(reach('Patient', 'identifier=http://x|1')).toBe(Reach.Identifier);
    expect(reach('Observation', 'subject:identifier=http://x|1')).toBe(Reach.Identifier);
    expect(reach('Observation', 'subject=Patient/p1')).toBe(Reach.Record);
    expect(reach('Observation', 'subject=http://station.test/fhir/Patient/p1')).toBe(Reach.Record);
    expect(reach('Observation', 'subject:Patient=p1')).toBe(Reach.Record);
    expect(reach('Observation', 'patient=p1')).toBe(Reach.Record); // `patient` targets Patient alone
    expect(reach('Observation', 'encounter=Encounter/e1')).toBe(Reach.Record);
    expect(reach('Observation', 'subject=Patient/p1,Group/g1')).toBe(Reach.Shared);
    expect(reach('Observation', 'subject=p1')).toBe(Reach.Shared); // a bare id of several possible types
    expect(reach('Observation', 'performer=Organization/o1')).toBe(Reach.Shared);
    expect(reach('Observation', 'subject=https://elsewhere.example/Patient/p1')).toBe(Reach.Shared);
    expect(reach('Observation', 'code=http://loinc.org|29463-7')).toBe(Reach.Shared);
    // Negations, modifiers that are no equality, ranges and patterns are the planner's to place.
    expect(reach('Observation', 'code:not=x')).toBeUndefined();
    expect(reach('Observation', 'code:text=weight')).toBeUndefined();
    expect(reach('Observation', 'subject:missing=true')).toBeUndefined();
    expect(reach('Observation', '_id:not=a')).toBeUndefined();
    expect(reach('Observation', 'date=ge2024')).toBeUndefined();
    expect(reach('Patient', 'name=ngu')).toBeUndefined();
  });

  test('broad equalities beside a narrower kind are checked per candidate; nothing else is', () => {
    expect(checked(parse('Observation', 'subject=Patient/p1&code=http://loinc.org|29463-7&_sort=-date'))).toEqual(['code']);
    expect(checked(parse('Observation', 'code=http://loinc.org|29463-7', { type: 'Patient', id: 'p1' }))).toEqual(['code']);
    expect(checked(parse('Observation', '_id=o1&subject=Patient/p1&status=final'))).toEqual(['subject', 'status']);
    expect(checked(parse('Patient', 'identifier=http://x|1&organization=Organization/o1&gender=female'))).toEqual(['organization', 'gender']);
    expect(checked(parse('AuditEvent', 'entity=Patient/p1&subtype=search-type'))).toEqual(['subtype']);
    // Alike kinds, or nothing narrow: the planner chooses, as before.
    expect(checked(parse('Observation', 'subject=Patient/p1&encounter=Encounter/e1'))).toEqual([]);
    expect(checked(parse('Observation', 'code=http://loinc.org|29463-7&status=final'))).toEqual([]);
    expect(checked(parse('Observation', 'performer=Organization/o1&code=x'))).toEqual([]);
    expect(checked(parse('Observation', 'subject=Patient/p1&date=ge2024&code:not=x'))).toEqual([]);
  });
});
