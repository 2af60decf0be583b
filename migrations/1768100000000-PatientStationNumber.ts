import { MigrationInterface, QueryRunner } from 'typeorm';
import { addUniquePatientIdentifier } from './unique-identifier';

/**
 * The station's own patient number (`<facility code>-<serial>`, src/station/identifiers/station-number.ts):
 * held by one current Patient, and drawn from a sequence when a resident is registered.
 *
 * A sequence, not a counter row: `nextval` takes no lock and is not rolled back, so registrations
 * in concurrent transactions (Bundles of residents, the seed) never wait for each other, and a
 * number is never handed out twice — a registration that fails leaves a gap, which a register of
 * records can have. One sequence serves every station of a deployment: numbers stay unique within
 * each station, with gaps where another station drew.
 *
 * It starts after the highest serial already stored (a seeded or imported station).
 */
const CONSTRAINT = 'patient_station_number_unique';
const SYSTEM = 'http://fhir.ehealth.gov.vn/core/sid/patient-internal-id';

export class PatientStationNumber1768100000000 implements MigrationInterface {
  name = 'PatientStationNumber1768100000000';

  async up(q: QueryRunner): Promise<void> {
    await addUniquePatientIdentifier(q, CONSTRAINT, SYSTEM, 'station patient number');
    await q.query(`CREATE SEQUENCE patient_number_seq`);
    await q.query(
      `SELECT setval('patient_number_seq', max(substring(code FROM '^[0-9]+-([0-9]{1,15})$')::bigint))
         FROM idx_token WHERE resource_type = 'Patient' AND param = 'identifier' AND system = $1 HAVING count(*) > 0`,
      [SYSTEM],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SEQUENCE patient_number_seq`);
    await q.query(`ALTER TABLE idx_token DROP CONSTRAINT ${CONSTRAINT}`);
  }
}
