import { badRequest } from '../outcomes';
import { dateRange } from './dates';

/**
 * A paging cursor: the sort-key values of the row a page ended (or, going back, began) with, and
 * the direction. Pages are cut by keys, never by OFFSET over a moving set, so a write between
 * two pages neither skips nor repeats anything (anchors.md: HAPI #3086, #4109).
 */
export interface Cursor {
  direction: 'next' | 'previous';
  keys: string[];
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.direction === 'next' ? 'n' : 'p', ...cursor.keys])).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  try {
    const values = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length > 1 && values.every((v) => typeof v === 'string' && !v.includes('\u0000')) && (values[0] === 'n' || values[0] === 'p')) {
      return { direction: values[0] === 'n' ? 'next' : 'previous', keys: values.slice(1) };
    }
  } catch {
    // fall through to the 400 below
  }
  throw invalidCursor();
}

/**
 * Whether a cursor's key is in the form the page query writes a key of that SQL type in (plan.ts
 * asText): a cursor comes back from the client, and any other text would fail PostgreSQL's cast of
 * the bound value, a 500 instead of a 400.
 */
export function keyFits(cast: string, value: string): boolean {
  if (cast === 'timestamptz') return /^-?infinity$/.test(value) || (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(value) && !!dateRange(value, 'UTC'));
  // Digits well within numeric's limits, and more than a stored value (a double) ever writes.
  if (cast === 'numeric') return /^(-?Infinity|NaN|-?\d{1,1000}(\.\d{1,1000})?)$/.test(value);
  return true;
}

export function invalidCursor(): Error {
  return badRequest('Con trỏ trang không hợp lệ', 'Invalid paging cursor');
}
