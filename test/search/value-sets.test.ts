import type { SearchParameter } from '@medplum/fhirtypes';
import { OperationOutcomeError } from '../../src/fhir/outcomes';
import type { ValueFilter } from '../../src/fhir/search/request';
import { expandValueSetFilters, MAX_EXPANSION_CODES, type Expansion } from '../../src/fhir/search/value-sets';

// The size limit of a `:in` (docs/search.md §6): the value sets of one parameter list at most
// MAX_EXPANSION_CODES codes in all, counted over the union, so two halves cannot get round it.
const filter = (values: string[]): ValueFilter => ({ kind: 'value', code: 'code', param: { type: 'token' } as SearchParameter, modifier: 'in', values, rows: [{ params: ['code'] }] });
const codes = (n: number, prefix: string): Expansion => [{ system: 'http://hl7.org/fhir/sid/icd-10', codes: Array.from({ length: n }, (_, k) => `${prefix}${k}`) }];

test('an expansion at the limit is kept; one code more, over two value sets, is a 400', async () => {
  const half = MAX_EXPANSION_CODES / 2;
  const atLimit = filter(['a', 'b']);
  await expandValueSetFilters([atLimit], async (ref) => codes(half, ref));
  expect(atLimit.expansion!.flatMap((s) => s.codes ?? [])).toHaveLength(MAX_EXPANSION_CODES);

  const over = filter(['a', 'b']);
  const failure = await expandValueSetFilters([over], async (ref) => codes(ref === 'a' ? half : half + 1, ref)).catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(OperationOutcomeError);
  expect((failure as OperationOutcomeError).status).toBe(400);
  expect(over.expansion).toBeUndefined();
});

test('filters inside chains and _has are expanded too', async () => {
  const inner = filter(['x']);
  await expandValueSetFilters([{ kind: 'has', sourceType: 'Condition', referenceParam: 'subject', rows: [], filter: { kind: 'chain', code: 'subject', rows: [], targets: [{ type: 'Patient', filter: inner }], typed: false } }], async () => codes(2, 'c'));
  expect(inner.expansion).toEqual(codes(2, 'c'));
});
