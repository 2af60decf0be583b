import type { Patient, Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../db/database';
import type { Assignment } from '../../fhir/store/assignment';
import { VN_CORE } from '../canonical';
import type { StationConfig } from '../config';
import { stationNumber, stationNumberIdentifier } from '../model/person';
import { fullCheck } from '../rules';

/** The serial of a number in this station's form, else undefined (a number another facility gave). */
function serialOf(config: StationConfig, value: string | undefined): number | undefined {
  const serial = value?.startsWith(`${config.station.facilityCode}-`) ? value.slice(config.station.facilityCode.length + 1) : undefined;
  return serial && /^[0-9]{1,15}$/.test(serial) && Number(serial) > 0 ? Number(serial) : undefined;
}

/**
 * Every resident registered without a station number gets the next one (migration 1768100000000:
 * a sequence, so concurrent registrations never wait for each other or draw the same number). A
 * resident registered with a number of this station's form (the seed, an import from a backup)
 * keeps it, and the sequence is moved past it so that no later registration draws it. Numbers are
 * held unique by a constraint (identifiers/unique.ts) in any case: two imports racing a
 * registration for one number leave one of them refused, never two residents with one number.
 */
export function stationNumberAssignment(config: StationConfig): Assignment {
  return {
    appliesTo: (resource) => resource.resourceType === 'Patient' && fullCheck(resource, config),
    async assign(resource: Resource, db: Queryable): Promise<Resource> {
      const patient = resource as Patient;
      const given = (patient.identifier ?? []).filter((i) => i.system === VN_CORE.patientInternalId);
      if (given.length) {
        for (const serial of given.map((i) => serialOf(config, i.value))) if (serial !== undefined) await drawnPast(db, serial);
        return resource;
      }
      const [{ serial }] = await db.query<{ serial: string | number }>(`SELECT nextval('patient_number_seq') AS serial`, [], 'station_number_next');
      return { ...patient, identifier: [...(patient.identifier ?? []), stationNumberIdentifier(config, stationNumber(config, Number(serial)))] };
    },
  };
}

/** Moves the sequence so that its next value lies after `serial` (a sequence never called has drawn nothing yet). */
async function drawnPast(db: Queryable, serial: number): Promise<void> {
  await db.query(
    `SELECT setval('patient_number_seq', $1) FROM patient_number_seq WHERE CASE WHEN is_called THEN last_value ELSE last_value - 1 END < $1`,
    [serial],
    'station_number_past',
  );
}
