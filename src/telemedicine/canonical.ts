import { cs, sd } from '../station/canonical';

/**
 * Canonical URLs of the telemedicine definitions in fhir-profiles/telemedicine/ (same base as the
 * station's, src/station/canonical.ts).
 */
export const TM_CS = {
  service: cs('telemedicine-service'),
  channel: cs('telemedicine-channel'),
  issue: cs('telemedicine-issue'),
  consentCategory: cs('consent-category'),
} as const;

export const TM_EXT = {
  /** R5 VirtualServiceDetail as an R4 extension (Appointment, Encounter; the template on Schedule). */
  virtualService: sd('virtual-service'),
  /** The channel the resident chose (video / phone / chat). */
  mode: sd('telemedicine-mode'),
  listAcknowledgement: sd('telemedicine-list-acknowledgement'),
  advice: sd('telemedicine-advice'),
  subscriptionErrorCount: sd('subscription-error-count'),
} as const;

/** Remote-care consent: its Consent.category code and the policy text residents agree to. */
export const REMOTE_CARE = {
  category: { system: cs('consent-category'), code: 'remote-care', display: 'Đồng ý khám chữa bệnh từ xa' },
  policy: 'https://commune-ehr.vn/policy/remote-care|1.0',
} as const;

/** The v3 ActCode for a virtual encounter (Encounter.class). */
export const VIRTUAL_CLASS = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR', display: 'virtual' } as const;

export type Channel = 'video' | 'phone' | 'chat';
export const CHANNELS: readonly Channel[] = ['video', 'phone', 'chat'];
