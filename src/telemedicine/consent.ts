import type { Basic, Consent } from '@medplum/fhirtypes';
import type { Repository } from '../fhir/store/repository';
import { CS } from '../station/canonical';
import { loadStationTerminology } from '../station/rules/terminology';
import { REMOTE_CARE } from './canonical';
import { refused } from './errors';
import { findOne } from './lookup';
import { actingWithin } from '../fhir/store/acting-within';

/**
 * The resident's consent to remote care (Law 15/2023, Decree 96/2023; PDPL: explicit, recorded,
 * withdrawable). It is either an active enrolment in a telemedicine platform the station recorded
 * (the enrolment covers remote care), or an active remote-care Consent. When there is neither, the
 * booking request must carry the resident's agreement (`consent=true`): a Consent is then recorded
 * in the same transaction as the booking. Returns the reference to cite on the appointment.
 */
export async function remoteCareConsent(repo: Repository, patientId: string, agreedNow: boolean): Promise<string> {
  const patient = `Patient/${patientId}`;
  const consent = await findOne<Consent>(repo, 'Consent', [
    ['patient', patient],
    ['status', 'active'],
    ['category', `${REMOTE_CARE.category.system}|${REMOTE_CARE.category.code}`],
  ]);
  if (consent) return `Consent/${consent.id}`;
  const enrolment = await telemedicineEnrolment(repo, patient);
  if (enrolment) return `Basic/${enrolment.id}`;
  if (!agreedNow) {
    throw refused(
      'consent-required',
      'Người dân chưa đồng ý khám chữa bệnh từ xa: hãy hỏi ý kiến và gửi lại với consent=true',
      'The resident has not consented to remote care: ask, then send again with consent=true',
    );
  }
  // The booking records the agreement it was given: the operation's bookkeeping, as its Slot and
  // reminder writes are, so a resident's app needs no Consent scope of its own (its token has none:
  // src/auth/oauth-model.ts RESIDENT_SCOPE_CEILING). The caller stays the actor in the audit trail.
  // Who agreed: the resident, or the carer booking for a child (their RelatedPerson in its record).
  const agreedBy = repo.actingCarer() ?? patient;
  const { resource } = await actingWithin(repo, { Consent: ['c'] }).create(remoteCareConsentResource(patient, agreedBy));
  return `Consent/${resource.id}`;
}

/** An active enrolment in an app of kind "telemedicine" (CodeSystem enrolment-app). */
async function telemedicineEnrolment(repo: Repository, patient: string): Promise<Basic | undefined> {
  const apps = [...loadStationTerminology().appKind].filter(([, kind]) => kind === 'telemedicine').map(([code]) => `${CS.enrolmentApp}|${code}`);
  if (!apps.length) return undefined;
  return findOne<Basic>(repo, 'Basic', [
    ['subject', patient],
    ['app', apps.join(',')],
    ['enrolment-status', `${CS.enrolmentStatus}|active`],
  ]);
}

function remoteCareConsentResource(patient: string, agreedBy: string): Consent {
  const now = new Date().toISOString();
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'treatment', display: 'Treatment' }] },
    category: [{ coding: [REMOTE_CARE.category] }, { coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: { reference: patient },
    performer: [{ reference: agreedBy }],
    dateTime: now,
    policy: [{ uri: REMOTE_CARE.policy }],
    provision: { type: 'permit', period: { start: now } },
  };
}
