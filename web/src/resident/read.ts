import type { Basic, Coverage, Patient } from '@medplum/fhirtypes';
import { CS, EXT, VN_CORE } from '../../../src/station/canonical';
import { today as todayIn } from '../format';

/** Readers for the station's Patient, Coverage and enrolment records, as the pages show them. */

export const nameOf = (p: Patient): string => p.name?.[0]?.text ?? [p.name?.[0]?.family, ...(p.name?.[0]?.given ?? [])].filter(Boolean).join(' ');

export const identifierOf = (p: Patient, system: string): string | undefined => p.identifier?.find((i) => i.system === system)?.value;

export const cccdOf = (p: Patient): string | undefined => identifierOf(p, VN_CORE.nationalId);

/** The id of the record this one was merged into (Patient/$merge), if it was. */
export const mergedInto = (p: Patient): string | undefined => p.link?.find((l) => l.type === 'replaced-by')?.other.reference?.replace(/^Patient\//, '');

/** The number the station registered the resident under (the server gives one at registration). */
export const stationNumberOf = (p: Patient): string | undefined => identifierOf(p, VN_CORE.patientInternalId);

export const phoneOf = (p: Patient): string | undefined => p.telecom?.find((t) => t.system === 'phone')?.value;

export const sexText = (gender: string | undefined): string => (gender === 'male' ? 'Nam' : gender === 'female' ? 'Nữ' : gender === 'other' ? 'Khác' : '');

/** The address where the resident lives now (the one without an end date), and its village. */
export function residenceOf(p: Patient, on: string = todayIn()): { village?: string; villageCode?: string; type?: string; text?: string } {
  const current = (p.address ?? []).find((a) => !a.period?.end || a.period.end >= on) ?? p.address?.[0];
  const village = current?.extension?.find((e) => e.url === EXT.village)?.valueCoding;
  const type = current?.extension?.find((e) => e.url === EXT.residenceType)?.valueCoding;
  return { village: village?.display, villageCode: village?.code, type: type?.display, text: current?.text };
}

export type BhytState = 'valid' | 'expiring' | 'expired' | 'not-yet' | 'none';

export interface BhytStatus {
  state: BhytState;
  card?: string;
  start?: string;
  end?: string;
}

/**
 * The resident's BHYT card status on a day: the active card that runs longest decides. "Expiring"
 * means it ends within the current month, when the station reminds people to renew.
 */
export function bhytStatus(coverages: Coverage[], on: string = todayIn()): BhytStatus {
  const cards = coverages.filter((c) => c.status === 'active' && c.period?.end).sort((a, b) => b.period!.end!.localeCompare(a.period!.end!));
  const card = cards.find((c) => !c.period?.start || c.period.start <= on) ?? cards[0];
  if (!card) return { state: 'none' };
  const base = { card: card.identifier?.find((i) => i.system === VN_CORE.insuranceNumber)?.value, start: card.period?.start, end: card.period?.end };
  const end = card.period!.end!.slice(0, 10);
  if (card.period?.start && card.period.start.slice(0, 10) > on) return { ...base, state: 'not-yet' };
  if (end < on) return { ...base, state: 'expired' };
  if (end.slice(0, 7) === on.slice(0, 7)) return { ...base, state: 'expiring' };
  return { ...base, state: 'valid' };
}

export const BHYT_LABEL: Record<BhytState, { text: string; tone: string }> = {
  valid: { text: 'Còn hạn', tone: 'ok' },
  expiring: { text: 'Hết hạn trong tháng', tone: 'warn' },
  expired: { text: 'Đã hết hạn', tone: 'error' },
  'not-yet': { text: 'Chưa đến hạn dùng', tone: 'info' },
  none: { text: 'Không có thẻ', tone: '' },
};

export interface Enrolment {
  resource: Basic;
  app: string;
  appName: string;
  verification?: string;
  active: boolean;
  start?: string;
  end?: string;
}

const codingOf = (b: Basic, url: string) => b.extension?.find((e) => e.url === url)?.valueCoding;

/** App enrolments (profiled Basic), newest first. */
export function enrolmentsOf(records: Basic[]): Enrolment[] {
  return records
    .filter((b) => b.code?.coding?.some((c) => c.system === CS.stationRecord && c.code === 'app-enrolment'))
    .map((b) => {
      const app = codingOf(b, EXT.enrolmentApp);
      const period = b.extension?.find((e) => e.url === EXT.enrolmentPeriod)?.valuePeriod;
      return {
        resource: b,
        app: app?.code ?? '',
        appName: app?.display ?? app?.code ?? '',
        verification: codingOf(b, EXT.enrolmentVerification)?.display,
        active: codingOf(b, EXT.enrolmentStatus)?.code === 'active',
        start: period?.start,
        end: period?.end,
      };
    })
    .sort((a, b) => (b.start ?? '').localeCompare(a.start ?? ''));
}
