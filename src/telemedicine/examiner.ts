import type { HumanName, Practitioner, Reference } from '@medplum/fhirtypes';
import { forbidden } from '../fhir/outcomes';
import type { Repository } from '../fhir/store/repository';
import { SID } from '../station/canonical';

/**
 * The examiner of a remote consultation (Decree 96/2023 art. 87: a licensed practitioner): the
 * signed-in staff member's Practitioner, shown with the licence number (chứng chỉ hành nghề) as
 * the register's examiner column wants it.
 */
export async function examinerReference(repo: Repository): Promise<Reference<Practitioner>> {
  const reference = repo.ctx.access.actor.reference;
  if (!reference?.startsWith('Practitioner/')) {
    throw forbidden('Chỉ nhân viên y tế (có hồ sơ Practitioner) mới khám được', 'Only a staff member linked to a Practitioner can examine');
  }
  const practitioner = (await repo.read('Practitioner', reference.slice('Practitioner/'.length))) as Practitioner;
  const licence = practitioner.identifier?.find((i) => i.system === SID.practitionerLicence)?.value;
  const name = displayName(practitioner.name?.[0]) ?? reference;
  if (!licence) return { reference, display: name };
  return { reference, display: `${name} (CCHN ${licence})`, identifier: { system: SID.practitionerLicence, value: licence } };
}

/** A Vietnamese name reads family, middle, given. */
function displayName(name: HumanName | undefined): string | undefined {
  if (!name) return undefined;
  return name.text ?? ([name.family, ...(name.given ?? [])].filter(Boolean).join(' ') || undefined);
}
