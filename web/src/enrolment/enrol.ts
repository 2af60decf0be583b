import type { Basic, Patient } from '@medplum/fhirtypes';
import { CS, EXT } from '../../../src/station/canonical';
import { enrolmentResource } from '../../../src/station/model/records';
import { fhir } from '../api/fhir';
import { request } from '../api/http';
import type { Session } from '../api/session';
import { today as todayIn } from '../format';
import { cccdOf, phoneOf } from '../resident/read';
import { builderTerminology, display } from '../terminology';


/** The station's own app signs residents in with an account activated by a one-time code. */
export const STATION_APP = 'station-app';

export type Verification = 'self-declared' | 'seen-on-phone' | 'platform-confirmed';

export interface Activation {
  username: string;
  activationCode: string;
  expires: string;
  consentId: string;
}

/** A username the resident already knows: their phone number, else their CCCD. */
export const suggestedUsername = (p: Patient): string => phoneOf(p) ?? cccdOf(p) ?? '';

const author = (session: Session | undefined): Basic['author'] & object => (session?.practitioner ? { reference: session.practitioner } : { display: session?.username ?? '' });

/**
 * Records an enrolment. For the station's app it first opens the resident's account (the server
 * records their consent and returns the activation code to hand over); the enrolment record is
 * written after, so a refused username leaves nothing behind.
 */
export async function enrol(patient: Patient, app: string, verification: Verification, enrolledOn: string, username: string, session: Session | undefined): Promise<{ record: Basic; activation?: Activation }> {
  let activation: Activation | undefined;
  if (app === STATION_APP) {
    activation = await request<Activation>('/auth/residents', { method: 'POST', body: { patient: `Patient/${patient.id}`, username }, headers: { 'content-type': 'application/json' } });
  }
  const resource = enrolmentResource({ patientRef: `Patient/${patient.id}`, app, verification, enrolledOn, recordedBy: author(session), recordedOn: todayIn() }, builderTerminology);
  return { record: await fhir.create(resource), activation };
}

/**
 * Withdraws an enrolment: for the station's app the server revokes the resident's app access and
 * marks the consent inactive; the enrolment record gets its end date and status "withdrawn".
 */
export async function withdraw(record: Basic, patientId: string, on: string = todayIn()): Promise<Basic> {
  const app = record.extension?.find((e) => e.url === EXT.enrolmentApp)?.valueCoding?.code;
  if (app === STATION_APP) await request(`/auth/residents/${encodeURIComponent(patientId)}/withdraw`, { method: 'POST' });
  const extension = (record.extension ?? []).map((e) => {
    if (e.url === EXT.enrolmentStatus) return { ...e, valueCoding: { system: CS.enrolmentStatus, code: 'withdrawn', display: display(CS.enrolmentStatus, 'withdrawn') } };
    if (e.url === EXT.enrolmentPeriod) return { ...e, valuePeriod: { ...e.valuePeriod, end: on } };
    return e;
  });
  return fhir.update({ ...record, extension });
}

/** The address the QR code opens: the station's activation page with the username and code filled in. */
export const activationUrl = (a: Activation): string => `${location.origin}/kich-hoat?u=${encodeURIComponent(a.username)}&c=${encodeURIComponent(a.activationCode)}`;
