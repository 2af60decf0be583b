import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Carers (docs/security.md "Carers"): a resident's app account may open the records of the
 * dependants staff linked it to — a parent their young child's immunisations and growth. A row
 * is one live link; ending it deletes the row (the RelatedPerson that stood for the carer in the
 * child's record is kept, inactive, and the audit trail keeps both changes). An authorization code
 * remembers which Patient the person chose at sign-in: null for their own record.
 */
export class Carers1768500000000 implements MigrationInterface {
  name = 'Carers1768500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE carer (
        station_id        text        NOT NULL,
        account_id        text        NOT NULL,
        patient_id        text        NOT NULL,
        related_person_id text        NOT NULL,
        created_at        timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (station_id, account_id, patient_id)
      )`);
    await q.query(`CREATE INDEX carer_patient ON carer (station_id, patient_id)`);
    await q.query(`ALTER TABLE oauth_code ADD COLUMN patient_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE oauth_code DROP COLUMN patient_id`);
    await q.query(`DROP TABLE carer`);
  }
}
