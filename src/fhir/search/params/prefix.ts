/** The comparison prefixes of number, date and quantity values (R4 search, 3.1.1.4.2). */
export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

const PREFIX = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)/;

/** `ge2024` → ['ge', '2024']; no prefix means eq. */
export function splitPrefix(value: string): [Prefix, string] {
  const m = PREFIX.exec(value);
  return m ? [m[1] as Prefix, value.slice(2)] : ['eq', value];
}
