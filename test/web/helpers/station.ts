import type { Browser, Page } from 'playwright-core';
import type { Bundle } from '@medplum/fhirtypes';
import { bootstrapStation, type StationRefs } from '../../../src/station/bootstrap';
import { HA_SON, type Village } from '../../../src/station/config';
import { TransactionBuilder } from '../../../src/station/model/bundle';
import { bloodPressure, heightForAgeObservation, immunizationResource, visitResources, vitalSign } from '../../../src/station/model/clinical';
import { residentResource, type ResidentInput } from '../../../src/station/model/person';
import { bhytCoverage, enrolmentResource } from '../../../src/station/model/records';
import { loadStationTerminology } from '../../../src/station/rules/terminology';
import { startTestServer, type TestServer } from '../../helpers/server';
import { collectPageErrors, ensureWebBuilt, launchBrowser, tabletContext } from './browser';

/** Days before or after today (in the station's zone) as YYYY-MM-DD, so the fixture ages with the calendar. */
export function day(offset: number): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date());
  return new Date(Date.parse(`${today}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
}

/** Last day of the current month (a card ending then is "expiring this month"). */
function endOfMonth(): string {
  const [y, m] = day(0).split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

const village = (name: string): Village => HA_SON.villages.find((v) => v.name === name)!;

/** Staff accounts the tests sign in with (passwords are throwaway, of this test database only). */
export const STAFF = {
  clinician: { username: 'ys.hanh', password: 'Mat-khau-thu-1', name: 'Lê Thị Hạnh', roles: ['clinician'] },
  registrar: { username: 'tn.binh', password: 'Mat-khau-thu-2', name: 'Đỗ Văn Bình', roles: ['registrar'] },
  officer: { username: 'cb.van', password: 'Mat-khau-thu-3', name: 'Vũ Thị Vân', roles: ['officer'] },
} as const;
export type StaffRole = keyof typeof STAFF;

interface FixtureResident extends ResidentInput {
  key: string;
  bhyt?: { start: string; end: string };
  doses?: [vaccine: string, dose: number, when: string][];
  apps?: string[];
  /** Hypertension check-ups: [days ago, systolic, diastolic, weight kg]. */
  checkups?: [daysAgo: number, systolic: number, diastolic: number, weight: number][];
  /** Child growth: [days ago, height cm, height-for-age z]. */
  growth?: [daysAgo: number, height: number, z: number][];
}

/**
 * A few residents with known facts (the tests assert on them): names with and without the same
 * family name, identifiers of each kind, cards valid / expiring this month / expired / none,
 * children at several points of the EPI schedule.
 */
export const RESIDENTS: FixtureResident[] = [
  { key: 'thu', name: 'Nguyễn Thị Thu', sex: 'female', birthDate: '1985-03-12', ethnicCode: '01', cccd: '038185012345', bhytCardCode: 'HN4380123456789', phone: '0912345678', residences: [{ village: village('Chí Phúc'), type: 'thuong-tru', start: '2005-01-01' }], bhyt: { start: '2025-01-01', end: day(400) }, apps: ['vneid-health-book'] },
  { key: 'duc', name: 'Nguyễn Văn Đức', sex: 'male', birthDate: '1958-07-01', ethnicCode: '01', cccd: '038058000111', bhytCardCode: 'HT3380000000111', residences: [{ village: village('Giang Sơn 9'), type: 'thuong-tru' }], bhyt: { start: '2025-01-01', end: endOfMonth() }, checkups: [[60, 162, 96, 62], [20, 145, 90, 61.5]] },
  { key: 'mai', name: 'Trần Thị Mai', sex: 'female', birthDate: '2001-11-20', ethnicCode: '06', cccd: '038301004567', bhytCardCode: 'SV4380000004567', residences: [{ village: village('Cẩm Cường'), type: 'tam-tru', start: '2024-09-01' }], bhyt: { start: '2023-01-01', end: day(-40) } },
  { key: 'an', name: 'Lê Văn An', sex: 'male', birthDate: day(-100), ethnicCode: '01', residences: [{ village: village('Chí Phúc'), type: 'thuong-tru', start: day(-100) }], doses: [['VGB-SS', 1, day(-100)], ['BCG', 1, day(-99)], ['DPT-VGB-Hib', 1, day(-38)], ['OPV', 1, day(-38)]], growth: [[70, 55, -1.1], [10, 58.5, -2.2]] },
  { key: 'khoi', name: 'Phạm Minh Khôi', sex: 'male', birthDate: day(-75), ethnicCode: '01', residences: [{ village: village('Chí Phúc'), type: 'thuong-tru', start: day(-75) }] },
  { key: 'lan', name: 'Hoàng Thị Lan', sex: 'female', birthDate: '1990-02-02', ethnicCode: '01', residences: [{ village: village('Vĩnh An'), type: 'thuong-tru' }] },
];

export interface WebStation {
  server: TestServer;
  refs: StationRefs;
  /** Fixture key → Patient id. */
  patients: Map<string, string>;
  browser: Browser;
  /** A new tablet-sized page signed in as `role` (or not signed in), failing on page errors. */
  page(role?: StaffRole): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

/** The running server with the station's commune, staff, fixture residents and a browser. */
export async function startWebStation(): Promise<WebStation> {
  await ensureWebBuilt();
  // The station's rules on every write, as in production: what the app writes must satisfy them.
  const server = await startTestServer({}, { stationRules: true });
  // As the server does at boot: the conformance pack (the report's Measures among it) and the commune.
  const refs = await bootstrapStation(server.engine, HA_SON);
  for (const s of Object.values(STAFF)) {
    await server.auth.createStaff({ username: s.username, password: s.password, roles: [...s.roles], name: s.name }, server.engine.repo);
  }
  const patients = await storeResidents(server, refs);
  const browser = await launchBrowser();
  const contexts: { close(): Promise<void> }[] = [];
  return {
    server,
    refs,
    patients,
    browser,
    async page(role) {
      const context = await tabletContext(browser);
      contexts.push(context);
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      await page.goto(server.origin + '/');
      if (role) await signIn(page, STAFF[role].username, STAFF[role].password);
      return { page, errors };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
      await server.close();
    },
  };
}

export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.getByRole('button', { name: 'Đăng xuất' }).waitFor();
}

async function storeResidents(server: TestServer, refs: StationRefs): Promise<Map<string, string>> {
  const t = loadStationTerminology();
  const tx = new TransactionBuilder();
  for (const r of RESIDENTS) {
    const ref = tx.add(residentResource(HA_SON, r));
    if (r.bhyt && r.bhytCardCode) {
      tx.add(bhytCoverage({ patientRef: ref, cardCode: r.bhytCardCode, personalId: r.cccd, ...r.bhyt, facility: { code: HA_SON.station.facilityCode, name: HA_SON.station.name, reference: refs.organization } }, t));
    }
    for (const [vaccine, dose, when] of r.doses ?? []) tx.add(immunizationResource(ref, vaccine, dose, when, t));
    for (const [ago, systolic, diastolic, weight] of r.checkups ?? []) {
      const when = `${day(-ago)}T08:30:00+07:00`;
      const { encounter, conditions } = visitResources(
        { patientRef: ref, examiner: { display: STAFF.clinician.name }, stationRef: refs.organization, start: when, class: 'AMB', specialty: 'noi', symptoms: 'Đau đầu, chóng mặt', diagnoses: ['I10'], treatment: 'Amlodipin 5 mg mỗi sáng' },
        t,
        [],
      );
      encounter.diagnosis![0].condition.reference = tx.add(conditions[0]);
      const encounterRef = tx.add(encounter);
      tx.add(bloodPressure(ref, when, systolic, diastolic, encounterRef));
      tx.add(vitalSign(ref, when, '29463-7', weight, encounterRef));
    }
    for (const [ago, height, z] of r.growth ?? []) {
      const when = `${day(-ago)}T09:00:00+07:00`;
      const heightRef = tx.add(vitalSign(ref, when, '8306-3', height));
      tx.add(heightForAgeObservation(ref, when, heightRef, { z, flagged: false, reference: 'WHO-2006' }));
    }
    for (const app of r.apps ?? []) {
      tx.add(enrolmentResource({ patientRef: ref, app, verification: 'seen-on-phone', enrolledOn: day(-10), recordedBy: { display: STAFF.clinician.name }, recordedOn: day(-10) }, t));
    }
  }
  const answer = await server.engine.router.dispatch(
    { method: 'POST', path: '', query: [], headers: {}, body: tx.bundle() },
    { repo: server.engine.repo, baseUrl: server.baseUrl, dispatch: (r, c) => server.engine.router.dispatch(r, c) },
  );
  if (answer.status >= 300) throw new Error(`fixture not stored: ${answer.status} ${JSON.stringify(answer.resource)}`);
  const patientIds = ((answer.resource as Bundle).entry ?? []).flatMap((e) => /(?:^|\/)Patient\/([^/]+)/.exec(e.response?.location ?? '')?.[1] ?? []);
  return new Map(RESIDENTS.map((r, i) => [r.key, patientIds[i]]));
}
