import { randomUUID } from 'node:crypto';
import type { PractitionerRoleAvailableTime } from '@medplum/fhirtypes';
import { SID } from '../../src/station/canonical';
import { TM_CS, TM_EXT } from '../../src/telemedicine/canonical';
import { launch, registerPublicApp, residentWithAccount } from '../auth/smart-helpers';
import { fhirFetch, type TestServer } from '../helpers/server';

/** The station's remote-consultation set-up: a doctor with a licence, working hours, a schedule. */
export interface Clinic {
  practitionerId: string;
  roleId: string;
  scheduleId: string;
  /** Bearer token of the doctor (a clinician account linked to the Practitioner). */
  doctorToken: string;
  registrarToken: string;
}

export const VIDEO_TEMPLATE = 'https://video.commune-ehr.example/phong/{room}';
export const STATION_PHONE = '+84 237 3800 000';

/** All day, every day unless told otherwise, so a test finds slots whatever the hour it runs. */
export async function setUpClinic(server: TestServer, availableTime: PractitionerRoleAvailableTime[] = [{ allDay: true }]): Promise<Clinic> {
  const licence = `00${Math.floor(Math.random() * 1e6)}/TH-CCHN`;
  const practitioner = await created(server, { resourceType: 'Practitioner', name: [{ family: 'Lê', given: ['Văn', 'Minh'], text: 'Lê Văn Minh' }], identifier: [{ system: SID.practitionerLicence, value: licence }] });
  const role = await created(server, { resourceType: 'PractitionerRole', active: true, practitioner: { reference: `Practitioner/${practitioner}` }, availableTime });
  const schedule = await created(server, {
    resourceType: 'Schedule',
    active: true,
    actor: [{ reference: `Practitioner/${practitioner}` }, { reference: `PractitionerRole/${role}` }],
    serviceType: [{ coding: [{ system: TM_CS.service, code: 'general', display: 'Khám bệnh thông thường' }] }],
    extension: [
      { url: TM_EXT.virtualService, extension: [{ url: 'channelType', valueCoding: { system: TM_CS.channel, code: 'video' } }, { url: 'address', valueUrl: VIDEO_TEMPLATE }] },
      { url: TM_EXT.virtualService, extension: [{ url: 'channelType', valueCoding: { system: TM_CS.channel, code: 'phone' } }, { url: 'address', valueContactPoint: { system: 'phone', value: STATION_PHONE } }] },
    ],
  });
  return { practitionerId: practitioner, roleId: role, scheduleId: schedule, doctorToken: await staffAs(server, ['clinician'], practitioner), registrarToken: await server.staffToken(['registrar']) };
}

async function created(server: TestServer, resource: Record<string, unknown>): Promise<string> {
  const res = await fhirFetch(`${server.baseUrl}/${resource.resourceType}`, { method: 'POST', body: resource });
  if (res.status !== 201) throw new Error(`create ${resource.resourceType}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** A staff account linked to an existing Practitioner, signed in for a bearer token. */
export async function staffAs(server: TestServer, roles: string[], practitionerId: string): Promise<string> {
  const username = `staff-${randomUUID().slice(0, 8)}`;
  const password = `pw-${randomUUID()}`;
  await server.auth.createStaff({ username, password, roles, practitionerId }, server.engine.repo);
  const res = await fetch(`${server.origin}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password, mode: 'token' }) });
  if (res.status !== 200) throw new Error(`sign-in failed ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export interface Resident {
  patientId: string;
  token: string;
}

const APP_SCOPE = 'launch/patient openid fhirUser offline_access patient/*.cruds';

/** Residents with the station's app, signed in through the SMART standalone launch. */
export async function residents(server: TestServer, count: number, family = 'Trần'): Promise<Resident[]> {
  const clientId = await registerPublicApp(server, APP_SCOPE);
  const result: Resident[] = [];
  for (let i = 0; i < count; i++) {
    const account = await residentWithAccount(server, family);
    const token = await launch(server, clientId, account, APP_SCOPE);
    result.push({ patientId: account.patientId, token: token.access_token });
  }
  return result;
}

/** POST [base]/[path] with a Parameters body built from name → value pairs. */
export async function operation(server: TestServer, path: string, parts: Record<string, unknown>, token?: string): Promise<{ status: number; body: any }> {
  const parameter = Object.entries(parts).flatMap(([name, value]) => (Array.isArray(value) ? value.map((v) => part(name, v)) : [part(name, value)]));
  return fhirFetch(`${server.baseUrl}/${path}`, { method: 'POST', body: { resourceType: 'Parameters', parameter }, token });
}

function part(name: string, value: unknown): Record<string, unknown> {
  if (typeof value === 'boolean') return { name, valueBoolean: value };
  if (typeof value === 'number') return { name, valueInteger: value };
  if (typeof value === 'string' && /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]+$/.test(value)) return { name, valueReference: { reference: value } };
  if (typeof value === 'string') return { name, valueString: value };
  return { name, valueCoding: value };
}

/** Local date (YYYY-MM-DD) in the station's zone, `days` from today. */
export function stationDate(days = 0): string {
  return new Date(Date.now() + days * 86_400_000 + 7 * 3_600_000).toISOString().slice(0, 10);
}

/** Free slots of the schedule from now on, in time order. */
export async function freeSlots(server: TestServer, clinic: Clinic, count = 100): Promise<any[]> {
  const res = await fhirFetch(`${server.baseUrl}/Slot?schedule=Schedule/${clinic.scheduleId}&status=free&start=ge${encodeURIComponent(new Date().toISOString())}&_sort=start&_count=${count}`);
  if (res.status !== 200) throw new Error(`slot search ${res.status}`);
  return (res.body.entry ?? []).map((e: any) => e.resource);
}

/** The Vietnamese half of an OperationOutcome's first issue. */
export function vietnamese(outcome: any): string {
  return String(outcome?.issue?.[0]?.diagnostics ?? '').split(' / ')[0];
}

export function issueCode(outcome: any): string | undefined {
  return outcome?.issue?.[0]?.details?.coding?.find((c: any) => c.system === TM_CS.issue)?.code;
}
