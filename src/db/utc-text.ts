/**
 * A timestamptz expression as ISO 8601 text in UTC, computed by PostgreSQL (so it does not depend on
 * the session's time zone, nor pass through a JavaScript Date, which holds milliseconds only).
 * - `ms`: FHIR's usual instant precision (meta.lastUpdated), e.g. 2026-11-29T19:25:35.910Z;
 * - `us`: every digit PostgreSQL keeps, e.g. 2026-11-29T19:25:35.910123Z. Two transactions often
 *   start within one millisecond; bounds that must tell them apart keep the microseconds. The text
 *   has a fixed width, so such texts compare as the instants they stand for.
 */
export function utcText(expr: string, precision: 'ms' | 'us'): string {
  return `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.${precision === 'ms' ? 'MS' : 'US'}"Z"')`;
}
