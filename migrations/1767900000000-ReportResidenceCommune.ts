import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Only residences in the station's commune make a resident (docs/report.md, "Resident on the
 * date"): the report's per-resident facts keep each Patient's commune codes (2025 and former), for
 * residences without dates. Every Patient is queued so the next report fills them.
 *
 * Dated residences are keyed by their commune when they have no village (the residence search
 * parameters changed): existing databases need `npm run reindex` once after deploying, which
 * also queues every resource for the facts.
 */
export class ReportResidenceCommune1767900000000 implements MigrationInterface {
  name = 'ReportResidenceCommune1767900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE report_person ADD COLUMN communes text[] COLLATE "C" NOT NULL DEFAULT '{}'`);
    await q.query(`INSERT INTO report_queue SELECT station_id, 'Patient', pid FROM report_person`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE report_person DROP COLUMN communes`);
  }
}
