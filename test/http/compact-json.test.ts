import type { Bundle, Patient } from '@medplum/fhirtypes';
import { compactJson } from '../../src/http/response';
import { parseStored } from '../../src/fhir/search/stored-json';

// The answer's JSON: a search's matches go out as the text the database stored (spliced in), any
// other answer as JSON.stringify writes it — the same JSON either way.

/** Stored text as PostgreSQL's json column keeps it: its own spacing, which the splice must keep. */
const storedPatient = (id: string): Patient => parseStored(`{"resourceType": "Patient", "id": "${id}", "name": [{"family": "Nguyễn"}]}`) as Patient;

describe('compactJson', () => {
  test('a searchset sends its matches as stored, byte for byte', () => {
    const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: storedPatient('a'), search: { mode: 'match' } }] };
    const text = compactJson(bundle).toString();
    expect(text).toContain('{"resourceType": "Patient", "id": "a", "name": [{"family": "Nguyễn"}]}');
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(bundle)));
  });

  test('a Bundle of resources not read from storage (a transaction response) is JSON.stringify', () => {
    const written: Patient = { resourceType: 'Patient', id: 'b', name: [{ family: 'Trần' }] };
    const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction-response', entry: [{ resource: written, response: { status: '201 Created' } }] };
    expect(compactJson(bundle)).toBe(JSON.stringify(bundle));
  });

  test('a search answered inside a batch is the same JSON, its stored matches stringified with the rest', () => {
    const inner: Bundle = { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: storedPatient('c') }] };
    const outer: Bundle = { resourceType: 'Bundle', type: 'batch-response', entry: [{ resource: inner, response: { status: '200 OK' } }] };
    expect(JSON.parse(compactJson(outer).toString())).toEqual(JSON.parse(JSON.stringify(outer)));
  });

  test('stored texts of any script, and entries not stored between them, come out exactly, and nothing more', () => {
    const texts = [
      '{"resourceType": "Patient", "id": "d", "name": [{"family": "Đặng", "given": ["Thị Thư"]}]}',
      '{"resourceType": "Patient", "id": "e", "name": [{"text": "患者 👩‍⚕️ Ω"}]}',
    ];
    const [d, e] = texts.map((t) => parseStored(t) as Patient);
    const note = { resourceType: 'OperationOutcome' as const, issue: [{ severity: 'warning' as const, code: 'not-supported' as const, diagnostics: 'Tham số không hỗ trợ: foo' }] };
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [{ resource: d, search: { mode: 'match' } }, { resource: note, search: { mode: 'outcome' } }, { resource: e, search: { mode: 'match' } }],
    };
    const bytes = compactJson(bundle) as Buffer;
    const expected =
      `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":${texts[0]},"search":{"mode":"match"}},` +
      `{"resource":${JSON.stringify(note)},"search":{"mode":"outcome"}},{"resource":${texts[1]},"search":{"mode":"match"}}]}`;
    expect(bytes.equals(Buffer.from(expected))).toBe(true);
    expect(bundle.entry?.[0].resource).toBe(d); // the answer's entries are not changed
  });
});
