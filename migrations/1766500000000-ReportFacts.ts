import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-resident facts for the health-criterion report (docs/report.md, "How it is computed"): the
 * report read 3.7 million index rows at 100,000 residents and joined them on text ids; these
 * tables hold the same facts already joined — one row per Patient, per residence, per card /
 * enrolment / visit / measurement, per dated record — keyed by the resident.
 *
 * They are derived from the index tables and kept exact this way: every change of a resource's
 * Patient-compartment rows (each write through the write path replaces them, so does a re-index)
 * queues the resource in `report_queue` in the writing statement itself (trigger below); the
 * report recomputes the queued resources' facts in one statement before it counts
 * (src/report/sql/facts.ts). The migration queues every existing resource.
 *
 * No unique keys: the refresh deletes and inserts a resource's rows in one statement, whose parts
 * see one snapshot and may run in any order.
 */
export class ReportFacts1766500000000 implements MigrationInterface {
  name = 'ReportFacts1766500000000';

  async up(q: QueryRunner): Promise<void> {
    const text = 'text COLLATE "C" NOT NULL';
    await q.query(`CREATE TABLE report_queue (station_id ${text}, resource_type ${text}, resource_id ${text})`);
    await q.query(`CREATE INDEX report_queue_station ON report_queue (station_id)`);
    // Residents are numbered (rid): the report joins and groups on these integers, not on text ids. Never deleted.
    await q.query(`CREATE TABLE report_resident (station_id ${text}, pid ${text}, rid integer GENERATED ALWAYS AS IDENTITY, PRIMARY KEY (station_id, pid))`);
    await q.query(`
      CREATE TABLE report_person (
        station_id ${text}, rid integer NOT NULL, pid ${text}, gender text COLLATE "C", birth timestamptz, death timestamptz,
        deceased boolean NOT NULL, inactive boolean NOT NULL,
        has_name boolean NOT NULL, has_address boolean NOT NULL, has_identifier boolean NOT NULL, has_ethnic_group boolean NOT NULL,
        residence_types text[] COLLATE "C" NOT NULL, village text COLLATE "C", dated boolean NOT NULL
      )`);
    await q.query(`CREATE INDEX report_person_rid ON report_person (station_id, rid)`);
    await q.query(`CREATE TABLE report_residence (station_id ${text}, rid integer NOT NULL, param ${text}, lo timestamptz NOT NULL, hi timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX report_residence_param ON report_residence (station_id, param, hi) INCLUDE (lo, rid)`);
    await q.query(`CREATE INDEX report_residence_rid ON report_residence (station_id, rid)`);
    await q.query(`
      CREATE TABLE report_fact (
        station_id ${text}, resource_type ${text}, resource_id ${text}, rid integer NOT NULL,
        lo timestamptz NOT NULL, hi timestamptz NOT NULL, tokens text[] COLLATE "C" NOT NULL, z numeric
      )`);
    await q.query(`CREATE INDEX report_fact_type ON report_fact (station_id, resource_type, hi)`);
    await q.query(`CREATE INDEX report_fact_owner ON report_fact (station_id, resource_id)`);
    await q.query(`
      CREATE TABLE report_record (
        station_id ${text}, resource_type ${text}, resource_id ${text}, rid integer NOT NULL, param ${text},
        lo timestamptz NOT NULL, hi timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX report_record_param ON report_record (station_id, resource_type, param, hi) INCLUDE (lo, rid)`);
    await q.query(`CREATE INDEX report_record_owner ON report_record (station_id, resource_id)`);

    // One function for both triggers: the transition table is named `changed` in each.
    await q.query(`
      CREATE FUNCTION report_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO report_queue (station_id, resource_type, resource_id)
        SELECT DISTINCT station_id, resource_type, resource_id FROM changed WHERE compartment_type = 'Patient';
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER report_enqueue_insert AFTER INSERT ON idx_compartment REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_enqueue()`);
    await q.query(`CREATE TRIGGER report_enqueue_delete AFTER DELETE ON idx_compartment REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_enqueue()`);
    await q.query(`INSERT INTO report_queue SELECT DISTINCT station_id, resource_type, resource_id FROM idx_compartment WHERE compartment_type = 'Patient'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER report_enqueue_delete ON idx_compartment`);
    await q.query(`DROP TRIGGER report_enqueue_insert ON idx_compartment`);
    await q.query(`DROP FUNCTION report_enqueue()`);
    for (const table of ['report_record', 'report_fact', 'report_residence', 'report_person', 'report_resident', 'report_queue']) await q.query(`DROP TABLE ${table}`);
  }
}
