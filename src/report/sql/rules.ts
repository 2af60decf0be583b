import { MEASURE, type MeasureId } from '../canonical';
import type { ReportConfig } from '../config';
import type { SqlParams } from './params';
import type { Feature } from './population';

/**
 * Each Measure group as conditions over the columns of `flags` (src/report/sql/population.ts):
 * who is in its initial population (= denominator), who is excluded, who is in the numerator.
 * The Measure's population criteria name these rules (fhir-profiles/measures/).
 */
export interface GroupRule {
  measure: MeasureId;
  /** The group's code when a Measure has several (the app of app-enrolment). */
  code?: string;
  features: Feature[];
  initial: string;
  /** Absent for cohort groups (counts only). */
  excluded?: string;
  numerator?: string;
}

export function groupRules(measure: MeasureId, config: ReportConfig, p: SqlParams): GroupRule[] {
  const resident = { initial: 'true', excluded: 'f.excluded' };
  switch (measure) {
    case MEASURE.bhyt:
      return [{ measure, features: ['bhyt'], ...resident, numerator: 'f.bhyt' }];
    case MEASURE.eHealthBook:
      return [{ measure, features: ['enrolment'], ...resident, numerator: 'f.e_health_book' }];
    case MEASURE.telemedicine:
      return [{ measure, features: ['enrolment', 'remote'], ...resident, numerator: '(f.telemedicine AND f.remote)' }];
    case MEASURE.healthManaged:
      return [{ measure, features: ['records'], ...resident, numerator: `(f.administrative AND f.records >= ${p.add(config.healthManaged.minRecords)}::int)` }];
    case MEASURE.stunting: {
      const s = config.stunting;
      return [{
        measure,
        features: ['haz'],
        initial: 'f.z IS NOT NULL',
        excluded: `(f.excluded OR abs(f.z) > ${p.add(s.implausibleAbove)}::numeric)`,
        numerator: `f.z < ${p.add(s.zBelow)}::numeric`,
      }];
    }
    case MEASURE.appEnrolment:
      return config.appCounts.apps.map((app, i) => ({ measure, code: app, features: ['enrolment'], initial: `(f.app_${i} AND NOT f.excluded)` }));
    case MEASURE.communeCriteria:
      return []; // an attestation, not a count (src/report/official.ts)
  }
}
