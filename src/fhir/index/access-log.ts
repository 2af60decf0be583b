/**
 * The access log's type: AuditEvent, in the R4 Patient compartment but not the record. Every read
 * and search writes one, so the index keeps it its own way: its compartment read from its
 * references (compartment.ts), its tokens and strings in shared row sets (row-sets.ts), its
 * references as one list per event (reference-lists.ts).
 */
export const ACCESS_LOG_TYPE = 'AuditEvent';
