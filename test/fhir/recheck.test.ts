import type { Resource } from '@medplum/fhirtypes';
import { recheckConditions, type EntryWrite } from '../../src/fhir/bundle/recheck';
import type { DecidedCondition } from '../../src/fhir/bundle/targets';
import type { Repository } from '../../src/fhir/store/repository';

// src/fhir/bundle/recheck.ts: which conditions are searched again after a transaction's writes.
// What the searches answer is test/http/bundle.int.test.ts's part (real PostgreSQL); here the
// repository only records which conditions reach it, the decision that keeps an import of
// residents by conditional creates from being searched twice.
describe('recheckConditions: which conditions go back to the database', () => {
  const patient = (id: string, value: string): Resource => ({ resourceType: 'Patient', id, identifier: [{ system: 'urn:test', value }] });
  /** Entries 0..n-1 each conditionally created Patient/p<i> with identifier v<i>, in the Bundle's order. */
  const importOf = (n: number): { conditions: DecidedCondition[]; written: EntryWrite[] } => ({
    conditions: Array.from({ length: n }, (_, i) => ({ index: i, resourceType: 'Patient', criteria: `identifier=urn:test|v${i}`, id: `p${i}` })),
    written: Array.from({ length: n }, (_, i) => ({ index: i, resource: patient(`p${i}`, `v${i}`) })),
  });
  const searching = () => {
    const asked: string[] = [];
    const repo = { conditionMatches: async (type: string, query: string) => (asked.push(`${type}?${query}`), []) } as unknown as Repository;
    return { asked, repo };
  };
  const inOrder = (i: number) => i;

  test('an import whose identifiers are all different searches nothing again', async () => {
    const { conditions, written } = importOf(50);
    const { asked, repo } = searching();
    expect(await recheckConditions(conditions, written, inOrder, repo)).toBeUndefined();
    expect(asked).toEqual([]);
  });

  test('a value an earlier entry wrote, a condition on more than identifiers, or an escaped value is searched again', async () => {
    const { conditions, written } = importOf(3);
    // Entry 1's condition names the value entry 0 wrote (case aside): searched.
    conditions[1] = { ...conditions[1], criteria: 'identifier=urn:test|V0' };
    conditions[2] = { ...conditions[2], criteria: 'identifier=urn:test|v2&gender=female' };
    const escaped: DecidedCondition = { index: 3, resourceType: 'Patient', criteria: 'identifier=urn:test|a\\,b', id: 'p3' };
    const { asked, repo } = searching();
    await recheckConditions([...conditions, escaped], [...written, { index: 3, resource: patient('p3', 'x') }], inOrder, repo);
    expect(asked).toEqual(['Patient?identifier=urn:test|V0', 'Patient?identifier=urn:test|v2&gender=female', 'Patient?identifier=urn:test|a\\,b']);
  });

  test('only writes that ran before the condition count: a later one, its own, or another type do not', async () => {
    const { asked, repo } = searching();
    const condition: DecidedCondition = { index: 1, resourceType: 'Patient', criteria: 'family=Tran', id: 'p1' };
    const later: EntryWrite = { index: 2, resource: patient('p2', 'x') };
    const own: EntryWrite = { index: 1, resource: patient('p1', 'y') };
    const other: EntryWrite = { index: 0, resource: { resourceType: 'Practitioner', id: 'd0' } };
    await recheckConditions([condition], [other, own, later], inOrder, repo);
    expect(asked).toEqual([]);
    // A chained condition is searched again after a write of any type before it.
    await recheckConditions([{ ...condition, criteria: 'general-practitioner.identifier=urn:test|d' }], [other, own], inOrder, repo);
    expect(asked).toEqual(['Patient?general-practitioner.identifier=urn:test|d']);
  });
});
