import { A2_DOSES, buildA2Register, type A2Context, type A2Dose } from './a2';
import { villageText } from '../config';

/**
 * The doses given in a period (a month, for the monthly report; a year), counted from the A2.1 book:
 * how many children had each dose of the book within the period, and how many became fully
 * immunised in it, by the village where they live. The book is by birth cohort, the report by the
 * day a dose was given, so every child young enough for a dose of the book in the period counts:
 * those born since 1 January three years before it (DPT4 and measles 2 come at 18 months, late doses later).
 */

/** How far back a child may be born and still have a dose of the book in the period. */
const COHORT_YEARS = 3;

export interface DosesGiven {
  from: string;
  to: string;
  /** Per village (as the book writes the address), the count of each dose given in the period; in the villages' order. */
  villages: { village: string; doses: Record<A2Dose, number> }[];
  total: Record<A2Dose, number>;
}

export async function buildDosesGiven(ctx: A2Context, from: string, to: string): Promise<DosesGiven> {
  // From 1 January, so the bound is a real date whatever `from` is (29 February has no such day three years before).
  const born = `${Number(from.slice(0, 4)) - COHORT_YEARS}-01-01`;
  const { rows } = await buildA2Register(ctx, born, to, { mothers: false });
  const zero = (): Record<A2Dose, number> => Object.fromEntries(A2_DOSES.map((d) => [d, 0])) as Record<A2Dose, number>;
  const byVillage = new Map<string, Record<A2Dose, number>>();
  const total = zero();
  for (const row of rows) {
    for (const dose of A2_DOSES) {
      const date = row.doses[dose];
      if (!date || date < from || date > to) continue;
      if (!byVillage.has(row.address)) byVillage.set(row.address, zero());
      byVillage.get(row.address)![dose]++;
      total[dose]++;
    }
  }
  const order = ctx.config.villages.map((v) => villageText(v.name));
  const rank = (village: string): number => (order.includes(village) ? order.indexOf(village) : order.length);
  const villages = [...byVillage]
    .map(([village, doses]) => ({ village, doses }))
    .sort((a, b) => rank(a.village) - rank(b.village) || a.village.localeCompare(b.village, 'vi'));
  return { from, to, villages, total };
}
