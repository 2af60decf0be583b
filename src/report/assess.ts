import type { Threshold } from './config';
import type { Counts } from './sql/aggregate';

/**
 * Whether an indicator reaches its threshold. `undefined` means undetermined: no threshold set
 * for the region, or nobody to count. With "met for men and for women" the total and each sex
 * that has anyone to count must reach it (residents of unknown sex count in the total only).
 */
export interface Verdict {
  met?: boolean;
  /** Per sex, when the indicator asks for it. */
  male?: boolean;
  female?: boolean;
}

/**
 * Below this a share and a threshold are equal: floating-point error only (72.3 is not exact in
 * binary), far smaller than any real difference — 0.01 % of a threshold over a million residents is 1e-8.
 */
const EQUAL_WITHIN = 1e-9;

/**
 * The share itself is compared, never a rounded one: 21,599 of 24,000 (89.9958 %, shown 90,0 %) is
 * below 90 %, and rounding the score to 4 decimals first would call it met.
 */
export function meets(counts: Counts, threshold: Threshold | undefined): boolean | undefined {
  const denominator = counts.initial - counts.excluded;
  if (!threshold || denominator <= 0) return undefined;
  const difference = (counts.numerator * 100) / denominator - threshold.value;
  return threshold.comparator === '>=' ? difference >= -EQUAL_WITHIN : difference <= EQUAL_WITHIN;
}

export function verdict(total: Counts, bySex: Map<string, Counts> | undefined, threshold: Threshold | undefined): Verdict {
  const met = meets(total, threshold);
  if (!bySex) return { met };
  const male = meets(bySex.get('male')!, threshold);
  const female = meets(bySex.get('female')!, threshold);
  const all = [met, male, female].filter((v) => v !== undefined);
  return { met: met === undefined ? undefined : all.every(Boolean), male, female };
}
