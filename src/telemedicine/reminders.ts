import type { Appointment, CommunicationRequest } from '@medplum/fhirtypes';
import type { Repository } from '../fhir/store/repository';
import { findAll } from './lookup';
import { actingWithin } from '../fhir/store/acting-within';

/** A reminder is due this long before the consultation. */
const REMINDER_MINUTES = 60;
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/communication-category';
const REMINDER: [string, string] = ['category', `${CATEGORY}|reminder`];

/**
 * Reminders are the server's bookkeeping of a booking, written and revoked with the appointment by
 * whoever changes it: a registrar (whose role has no CommunicationRequest), a platform whose scopes
 * name only Appointment, a resident's app. So they are written through a repository that reaches
 * reminders and nothing else — the caller stays the actor in the audit trail.
 */
const reminders = (repo: Repository): Repository =>
  actingWithin(repo, { CommunicationRequest: ['c', 'r', 's', 'u'] }, (type) => (type === 'CommunicationRequest' ? [REMINDER] : []));

/**
 * A booked consultation gets a reminder: a CommunicationRequest to the resident — and to a carer
 * taking part (a child has no phone; the carer's RelatedPerson has theirs) — about the appointment,
 * due an hour before it (the platform, told through its subscription, sends it). Cancelling or
 * moving the appointment revokes it.
 */
export async function scheduleReminder(repo: Repository, appointment: Appointment, zone: string): Promise<void> {
  const patient = appointment.participant.find((p) => p.actor?.reference?.startsWith('Patient/'))?.actor?.reference;
  if (!patient || !appointment.start) return;
  const start = new Date(appointment.start);
  const when = new Intl.DateTimeFormat('vi-VN', { timeZone: zone, hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', year: 'numeric' }).format(start);
  const reminder: CommunicationRequest = {
    resourceType: 'CommunicationRequest',
    status: 'active',
    category: [{ coding: [{ system: CATEGORY, code: 'reminder', display: 'Reminder' }] }],
    subject: { reference: patient },
    about: [{ reference: `Appointment/${appointment.id}` }],
    recipient: [{ reference: patient }, ...appointment.participant.filter((p) => p.actor?.reference?.startsWith('RelatedPerson/')).map((p) => ({ reference: p.actor!.reference }))],
    payload: [{ contentString: `Nhắc lịch khám từ xa lúc ${when}. Vui lòng vào ứng dụng trước giờ hẹn ít phút.` }],
    occurrenceDateTime: new Date(start.getTime() - REMINDER_MINUTES * 60_000).toISOString(),
    authoredOn: new Date().toISOString(),
  };
  await reminders(repo).create(reminder);
}

/** Revokes the appointment's active reminders — only reminders (the repository's constraint): other requests about it are people's own. */
export async function revokeReminders(repo: Repository, appointmentId: string): Promise<void> {
  const scoped = reminders(repo);
  const active = await findAll<CommunicationRequest>(scoped, 'CommunicationRequest', [
    ['about', `Appointment/${appointmentId}`],
    ['status', 'active'],
  ]);
  for (const reminder of active) await scoped.update('CommunicationRequest', reminder.id!, { ...reminder, status: 'revoked' });
}
