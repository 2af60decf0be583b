import { buildAuditEvent } from '../../src/fhir/audit';

// A refusal's text may quote what the request sent; jsonb refuses U+0000 and lone surrogates, and
// the audit queue writes records in batches: one such record lost every record of its batch.
describe('an audit record quoting a hostile request can be stored', () => {
  test('its outcomeDesc has no U+0000 and no lone surrogate', () => {
    const event = buildAuditEvent(
      { actor: { id: 'a', roles: [] }, interaction: 'create', outcome: '4', outcomeDesc: '400 id (\u0000\ud800) … \ud83d\ude00 \ud83d'.slice(0, 500), entities: [], patients: [] },
      '2026-12-04T00:00:00Z',
    );
    expect(event.outcomeDesc).toBe('400 id (\ufffd\ufffd) … \ud83d\ude00 \ufffd');
  });
});
