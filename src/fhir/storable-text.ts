/**
 * U+0000 and UTF-16 surrogates standing alone: JavaScript strings may hold them, JSON.stringify
 * writes them out as escapes, and PostgreSQL's jsonb refuses the statement that carries one
 * ("unsupported Unicode escape sequence", "invalid input syntax for type json").
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Whether a string can be stored in jsonb as it is. */
export const isStorableText = (text: string): boolean => !new RegExp(UNSTORABLE.source).test(text);

/** The string with each character jsonb refuses replaced by U+FFFD, for texts the server writes itself (an audit record's outcomeDesc). */
export const storableText = (text: string): string => text.replace(UNSTORABLE, '\ufffd');
