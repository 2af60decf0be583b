import type { Appointment, Communication, Encounter, Extension, Patient } from '@medplum/fhirtypes';
import { SYSTEMS } from '../../../src/station/canonical';
import { TM_CS, TM_EXT } from '../../../src/telemedicine/canonical';
import { fhir, idFrom, operation } from '../api/fhir';
import { ApiError } from '../api/http';

/** The station's side of remote consultations, through the operations of docs/telemedicine.md. */

export interface DayAppointment {
  appointment: Appointment;
  patient?: Patient;
}

/** The appointments of a day (station's zone), earliest first, with their residents. */
export async function appointmentsOn(day: string, signal?: AbortSignal): Promise<DayAppointment[]> {
  const found = await fhir.searchAll<Appointment>('Appointment', [['date', day], ['_include', 'Appointment:patient'], ['_count', '200']], signal);
  const patients = new Map(found.included.filter((r): r is Patient => r.resourceType === 'Patient').map((p) => [p.id, p]));
  return found.matches
    .slice()
    .sort((a, b) => (a.start ?? '').localeCompare(b.start ?? ''))
    .map((appointment) => ({ appointment, patient: patients.get(idFrom(patientOf(appointment), 'Patient')) }));
}

export const patientOf = (a: Appointment | Encounter): string | undefined =>
  a.resourceType === 'Encounter' ? a.subject?.reference : a.participant.find((p) => p.actor?.reference?.startsWith('Patient/'))?.actor?.reference;

export const STATUS: Record<string, { text: string; tone: string }> = {
  proposed: { text: 'Chờ nhận', tone: 'warn' },
  pending: { text: 'Chờ nhận', tone: 'warn' },
  booked: { text: 'Đã nhận', tone: 'info' },
  arrived: { text: 'Đang khám / người dân đã vào', tone: 'ok' },
  fulfilled: { text: 'Đã khám xong', tone: 'ok' },
  cancelled: { text: 'Đã hủy', tone: '' },
  noshow: { text: 'Không đến', tone: 'error' },
};

const CHANNEL: Record<string, string> = { video: 'Gọi video', phone: 'Gọi điện thoại', chat: 'Nhắn tin' };

/** The channel the resident chose (video / phone / chat). */
export function channelOf(r: Appointment | Encounter): string | undefined {
  const code = r.extension?.find((e) => e.url === TM_EXT.mode)?.valueCoding?.code;
  return code && (CHANNEL[code] ?? code);
}

export interface JoinDetail {
  channel: string;
  url?: string;
  text?: string;
}

/** How to join: the virtual-service details (R5 VirtualServiceDetail as an extension). */
export function joinDetails(r: Appointment | Encounter): JoinDetail[] {
  return (r.extension ?? [])
    .filter((e) => e.url === TM_EXT.virtualService)
    .map((e) => {
      const part = (url: string): Extension | undefined => e.extension?.find((p) => p.url === url);
      const channel = part('channelType')?.valueCoding?.code ?? '';
      const address = part('address');
      return { channel: CHANNEL[channel] ?? channel, url: address?.valueUrl, text: address?.valueContactPoint?.value ?? address?.valueString };
    });
}

export const accept = (id: string): Promise<Appointment> => operation(`Appointment/${id}/$accept`);
export const start = (id: string): Promise<Encounter> => operation(`Appointment/${id}/$start`);

export interface FinishFields {
  diagnoses: string[];
  findings: string;
  treatment: string;
  advice: string;
  acknowledgeOffList: boolean;
}

/** What the server said about Circular 30 when it refused to finish, if that was the reason. */
export function circular30Refusal(err: unknown): 'acknowledge' | 'refused' | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const code = err.outcome?.issue?.[0]?.details?.coding?.find((c) => c.system === TM_CS.issue)?.code;
  return code === 'tt30-acknowledgement-required' ? 'acknowledge' : code === 'tt30-refused' ? 'refused' : undefined;
}

export function finish(encounterId: string, f: FinishFields): Promise<Encounter> {
  return operation(`Encounter/${encounterId}/$finish`, {
    diagnosis: f.diagnoses.map((code) => ({ system: SYSTEMS.icd10, code })),
    findings: f.findings.trim() || undefined,
    treatment: f.treatment.trim(),
    advice: f.advice.trim() || undefined,
    'acknowledge-off-list': f.acknowledgeOffList || undefined,
  });
}

/** Messages about these appointments or encounters, oldest first. */
export async function messagesAbout(refs: string[], signal?: AbortSignal): Promise<Communication[]> {
  if (!refs.length) return [];
  const found = await fhir.searchAll<Communication>('Communication', [['about', refs.join(',')], ['_count', '200']], signal);
  return found.matches.slice().sort((a, b) => (a.sent ?? '').localeCompare(b.sent ?? ''));
}

export const fromResident = (c: Communication): boolean => !!c.sender?.reference?.startsWith('Patient/');

/** The station's answer to the resident, about the appointment. */
export function reply(appointment: Appointment, text: string, sender?: string): Promise<Communication> {
  const patient = patientOf(appointment)!;
  return fhir.create<Communication>({
    resourceType: 'Communication',
    status: 'completed',
    subject: { reference: patient },
    recipient: [{ reference: patient }],
    sender: sender ? { reference: sender } : undefined,
    about: [{ reference: `Appointment/${appointment.id}` }],
    sent: new Date().toISOString(),
    payload: [{ contentString: text }],
  });
}
