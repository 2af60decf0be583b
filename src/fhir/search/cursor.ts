import { badRequest } from '../outcomes';

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
    if (Array.isArray(values) && values.length > 1 && values.every((v) => typeof v === 'string') && (values[0] === 'n' || values[0] === 'p')) {
      return { direction: values[0] === 'n' ? 'next' : 'previous', keys: values.slice(1) };
    }
  } catch {
    // fall through to the 400 below
  }
  throw invalidCursor();
}

export function invalidCursor(): Error {
  return badRequest('Con trỏ trang không hợp lệ', 'Invalid paging cursor');
}
