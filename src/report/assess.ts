import type { Threshold } from './config';
import { score } from './measure-report';
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

export function meets(counts: Counts, threshold: Threshold | undefined): boolean | undefined {
  const value = score(counts);
  if (!threshold || value === undefined) return undefined;
  const percent = Math.round(value * 10000) / 100;
  return threshold.comparator === '>=' ? percent >= threshold.value : percent <= threshold.value;
}

export function verdict(total: Counts, bySex: Map<string, Counts> | undefined, threshold: Threshold | undefined): Verdict {
  const met = meets(total, threshold);
  if (!bySex) return { met };
  const male = meets(bySex.get('male')!, threshold);
  const female = meets(bySex.get('female')!, threshold);
  const all = [met, male, female].filter((v) => v !== undefined);
  return { met: met === undefined ? undefined : all.every(Boolean), male, female };
}
