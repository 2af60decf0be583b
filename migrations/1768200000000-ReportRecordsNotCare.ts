import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The report's dated records leave out records that are no care given — withdrawn as entered in
 * error, a visit planned or cancelled (NOT_CARE_GIVEN, src/report/config.ts): indicator 14.2 had
 * counted them as updates of the health record. The rows already kept for such records go when
 * their facts are refreshed, so they are queued; the next report recomputes them. Queuing a few
 * more (any of these statuses on these types) is harmless.
 */
export class ReportRecordsNotCare1768200000000 implements MigrationInterface {
  name = 'ReportRecordsNotCare1768200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      INSERT INTO report_queue
      SELECT DISTINCT station_id, resource_type, resource_id FROM idx_token
       WHERE resource_type IN ('Encounter', 'Observation', 'Immunization', 'Condition', 'AllergyIntolerance', 'Procedure', 'FamilyMemberHistory')
         AND param IN ('status', 'verification-status') AND code IN ('planned', 'cancelled', 'entered-in-error')`);
  }

  async down(): Promise<void> {
    // Nothing to undo: the queue only asks for a refresh.
  }
}
