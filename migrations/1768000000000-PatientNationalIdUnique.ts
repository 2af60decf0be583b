import { MigrationInterface, QueryRunner } from 'typeorm';
import { addUniquePatientIdentifier } from './unique-identifier';

/** A personal ID (CCCD) names one person: no two current Patients of a station may hold the same one (docs/station/model.md). */
const CONSTRAINT = 'patient_national_id_unique';

export class PatientNationalIdUnique1768000000000 implements MigrationInterface {
  name = 'PatientNationalIdUnique1768000000000';

  async up(q: QueryRunner): Promise<void> {
    await addUniquePatientIdentifier(q, CONSTRAINT, 'http://fhir.ehealth.gov.vn/core/sid/national_id', 'personal ID (CCCD)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idx_token DROP CONSTRAINT ${CONSTRAINT}`);
  }
}
