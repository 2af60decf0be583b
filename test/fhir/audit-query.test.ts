import { createHash } from 'node:crypto';
import { buildAuditEvent, MAX_AUDITED_QUERY_BYTES } from '../../src/fhir/audit';

// A search's query goes into its AuditEvent in base64 (BALP); a POST _search body may be megabytes,
// so a long one is kept cut, named whole by its length and SHA-256.
const queryEntity = (query: string) =>
  buildAuditEvent({ actor: { id: 'a', roles: ['clinician'] }, interaction: 'search', outcome: '0', entities: [], patients: [], query, resourceType: 'Patient' }, '2026-12-05T00:00:00Z').entity!.find(
    (e) => e.role?.code === '24',
  )!;

describe('the query an audit record keeps', () => {
  test('a query up to the limit is kept whole, with no detail', () => {
    const query = `name=${'a'.repeat(MAX_AUDITED_QUERY_BYTES - 5)}`;
    const entity = queryEntity(query);
    expect(Buffer.from(entity.query!, 'base64').toString()).toBe(query);
    expect(entity.detail).toBeUndefined();
  });

  test('a longer one keeps its first 16 KiB, cut between characters, with its length and SHA-256', () => {
    // "ữ" is three bytes in UTF-8: 16,384 is not a multiple of 3 past "name=", so a cut at the
    // limit would fall inside a character.
    const query = `name=${'ngữ'.repeat(1_000_000)}`;
    const entity = queryEntity(query);
    const kept = Buffer.from(entity.query!, 'base64');
    expect(kept.length).toBeLessThanOrEqual(MAX_AUDITED_QUERY_BYTES);
    expect(kept.length).toBeGreaterThan(MAX_AUDITED_QUERY_BYTES - 4);
    const text = kept.toString();
    expect(text).not.toContain('\ufffd');
    expect(query.startsWith(text)).toBe(true);
    expect(entity.detail).toEqual([
      { type: 'query-bytes', valueString: String(Buffer.byteLength(query)) },
      { type: 'query-sha256', valueString: createHash('sha256').update(query).digest('hex') },
    ]);
  });
});
