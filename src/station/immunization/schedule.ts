/**
 * The national EPI schedule (Tiêm chủng mở rộng) for children as the station follows it: the age
 * (in days) at which each dose is due. Vaccines are codes of …/CodeSystem/epi-vaccine. The A2.1
 * register follows BCG, hepatitis B at birth (within 24 h or later), DPT-VGB-Hib 1–3, polio 1–3,
 * measles, full immunisation before the first birthday, DPT4 and measles 2.
 */
export interface ScheduledDose {
  vaccine: string;
  dose: number;
  /** Age in days when the dose is due. */
  dueDay: number;
  /**
   * The least number of days after the previous dose of the series, where it is not the usual
   * 28: the second Japanese encephalitis dose comes 1–2 weeks after the first.
   */
  minIntervalDays?: number;
}

export const EPI_SCHEDULE: readonly ScheduledDose[] = [
  { vaccine: 'VGB-SS', dose: 1, dueDay: 0 },
  { vaccine: 'BCG', dose: 1, dueDay: 0 },
  { vaccine: 'DPT-VGB-Hib', dose: 1, dueDay: 61 },
  { vaccine: 'OPV', dose: 1, dueDay: 61 },
  { vaccine: 'DPT-VGB-Hib', dose: 2, dueDay: 91 },
  { vaccine: 'OPV', dose: 2, dueDay: 91 },
  { vaccine: 'DPT-VGB-Hib', dose: 3, dueDay: 122 },
  { vaccine: 'OPV', dose: 3, dueDay: 122 },
  { vaccine: 'IPV', dose: 1, dueDay: 152 },
  { vaccine: 'SOI', dose: 1, dueDay: 274 },
  { vaccine: 'IPV', dose: 2, dueDay: 274 },
  { vaccine: 'VNNB', dose: 1, dueDay: 365 },
  { vaccine: 'VNNB', dose: 2, dueDay: 379, minIntervalDays: 7 },
  { vaccine: 'MR', dose: 1, dueDay: 548 },
  { vaccine: 'DPT', dose: 1, dueDay: 548 },
  { vaccine: 'VNNB', dose: 3, dueDay: 730 },
];

/** Doses that make a child "fully immunised" when all are given before the first birthday. */
export const FULLY_IMMUNISED: readonly { vaccine: string; dose: number }[] = [
  { vaccine: 'BCG', dose: 1 },
  { vaccine: 'DPT-VGB-Hib', dose: 3 },
  { vaccine: 'OPV', dose: 3 },
  { vaccine: 'SOI', dose: 1 },
];
