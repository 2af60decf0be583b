import type { Basic, Coverage, Reference } from '@medplum/fhirtypes';
import { CS, EXT, PROFILE, SID, SYSTEMS, VN_CORE } from '../canonical';
import { isBhytProblem, parseBhyt } from '../identifiers/bhyt';
import type { StationTerminology } from '../rules/terminology';

export interface CoverageInput {
  patientRef: string;
  cardCode: string;
  /** The personal ID, which replaces the social-insurance number on cards from 1 August 2025. */
  personalId?: string;
  start: string;
  end: string;
  facility: { code: string; name: string; reference?: string };
}

/** A BHYT card as Coverage: category and benefit level are read from the card code. */
export function bhytCoverage(input: CoverageInput, t: StationTerminology): Coverage {
  const card = parseBhyt(input.cardCode);
  if (isBhytProblem(card)) throw new Error(card.en);
  const facility: Reference = { identifier: { system: SID.facilityCode, value: input.facility.code }, display: input.facility.name, reference: input.facility.reference };
  return {
    resourceType: 'Coverage',
    meta: { profile: [PROFILE.coverage] },
    extension: [{ url: EXT.registeredFacility, valueReference: facility }],
    identifier: [{ type: { coding: [{ system: SYSTEMS.v2IdentifierType, code: 'SB' }] }, system: VN_CORE.insuranceNumber, value: input.cardCode }],
    status: 'active',
    type: { coding: [{ system: CS.coverageType, code: 'bhyt', display: 'Bảo hiểm y tế' }] },
    subscriberId: input.personalId,
    beneficiary: { reference: input.patientRef },
    relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship', code: 'self' }] },
    period: { start: input.start, end: input.end },
    payor: [{ display: 'Bảo hiểm xã hội Việt Nam' }],
    class: [
      { type: { coding: [{ system: SYSTEMS.coverageClass, code: 'group' }] }, value: card.category, name: t.display(CS.bhytCategory, card.category) },
      { type: { coding: [{ system: SYSTEMS.coverageClass, code: 'plan' }] }, value: card.benefitLevel, name: t.display(CS.bhytBenefitLevel, card.benefitLevel) },
      { type: { coding: [{ system: SYSTEMS.coverageClass, code: 'subgroup' }] }, value: card.province, name: 'Mã tỉnh trên thẻ' },
    ],
  };
}

export interface EnrolmentInput {
  patientRef: string;
  app: string;
  verification: 'self-declared' | 'seen-on-phone' | 'platform-confirmed';
  enrolledOn: string;
  withdrawnOn?: string;
  recordedBy: Basic['author'] & object;
  recordedOn: string;
}

/** An app enrolment (profiled Basic; docs/station/model.md says why Basic). */
export function enrolmentResource(input: EnrolmentInput, t: StationTerminology): Basic {
  const coding = (system: string, code: string): { system: string; code: string; display?: string } => ({ system, code, display: t.display(system, code) });
  return {
    resourceType: 'Basic',
    meta: { profile: [PROFILE.enrolment] },
    extension: [
      { url: EXT.enrolmentApp, valueCoding: coding(CS.enrolmentApp, input.app) },
      { url: EXT.enrolmentVerification, valueCoding: coding(CS.enrolmentVerification, input.verification) },
      { url: EXT.enrolmentStatus, valueCoding: coding(CS.enrolmentStatus, input.withdrawnOn ? 'withdrawn' : 'active') },
      { url: EXT.enrolmentPeriod, valuePeriod: { start: input.enrolledOn, end: input.withdrawnOn } },
    ],
    code: { coding: [{ system: CS.stationRecord, code: 'app-enrolment', display: 'Đăng ký ứng dụng sức khỏe' }] },
    subject: { reference: input.patientRef },
    created: input.recordedOn,
    author: input.recordedBy,
  };
}
