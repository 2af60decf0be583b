import { clip } from '../../index/tables';
import { prefixCondition, type SqlParams } from '../sql';
import { unescapeValue } from '../values';

/**
 * Uri: equality; `:below` matches stored values the query is a prefix of; `:above` stored values
 * that are the query itself or one of its parent paths (cut at each `/`), an indexable `= ANY`.
 */
export function uriCondition(raw: string, modifier: string | undefined, p: SqlParams): string {
  const value = clip(unescapeValue(raw));
  if (modifier === 'below') return prefixCondition('i.value', value, p);
  if (modifier === 'above') return `i.value = ANY(${p.add(parentPaths(value))}::text[])`;
  return `i.value = ${p.add(value)}`;
}

/** The uri and each parent path, written with and without its closing `/` (`http://x/fhir/` is above `http://x/fhir/ValueSet`). */
function parentPaths(uri: string): string[] {
  const paths = new Set([uri]);
  const start = uri.indexOf('://') >= 0 ? uri.indexOf('://') + 3 : 0;
  for (let i = uri.indexOf('/', start); i > 0; i = uri.indexOf('/', i + 1)) paths.add(uri.slice(0, i)).add(uri.slice(0, i + 1));
  return [...paths];
}
