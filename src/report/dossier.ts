import type { Extension, MeasureReport, Practitioner, Reference } from '@medplum/fhirtypes';
import type { Repository } from '../fhir/store/repository';
import type { StationConfig } from '../station/config';
import { REPORT_CS, REPORT_EXT } from './canonical';
import type { HealthCriterionView } from './health-criterion';
import { buildMeasureReport } from './measure-report';
import { saveReports } from './stored';

/**
 * The report as it goes into the dossier: one summary MeasureReport per counted indicator (and the
 * app counts) carrying the criteria set, region, threshold and verdicts, saved as new versions of
 * the same resources each time (src/report/stored.ts).
 */
export function dossierReports(view: HealthCriterionView, station: StationConfig, reporter: Reference): MeasureReport[] {
  const setExt: Extension[] = [
    { url: REPORT_EXT.criteriaSet, valueCoding: { system: REPORT_CS.criteriaSet, code: view.criteriaSet } },
    { url: REPORT_EXT.region, valueCoding: { system: REPORT_CS.region, code: view.region } },
  ];
  const common = { station, period: view.period, reportType: 'summary' as const, subject: view.scope.reference, reporter: reporter as Reference<Practitioner>, date: view.generatedAt };
  const reports = view.indicators
    .filter((i) => i.counts)
    .map((i) => {
      const report = buildMeasureReport({ ...common, measure: i.measure, groups: [i.counts!] });
      report.extension = setExt;
      const group = report.group![0];
      const groupExt: Extension[] = [
        ...(i.threshold ? [{ url: REPORT_EXT.threshold, valueQuantity: { value: i.threshold.value, comparator: i.threshold.comparator, unit: '%', system: 'http://unitsofmeasure.org', code: '%' } }] : []),
        ...(i.verdict.met !== undefined ? [{ url: REPORT_EXT.met, valueBoolean: i.verdict.met }] : []),
      ];
      // An indicator with neither threshold nor verdict (no goal in this criteria set) carries no
      // extension at all: an empty array is refused as no value (src/fhir/validate/shape.ts).
      if (groupExt.length) group.extension = groupExt;
      if (i.bySex) {
        for (const stratum of group.stratifier!.find((s) => s.code?.[0]?.coding?.[0]?.code === 'sex' && s.code.length === 1)!.stratum!) {
          const sex = stratum.value?.coding?.[0]?.code as 'male' | 'female';
          const met = i.verdict[sex];
          if (met !== undefined) stratum.extension = [{ url: REPORT_EXT.met, valueBoolean: met }];
        }
      }
      return report;
    });
  if (view.apps.length) reports.push({ ...buildMeasureReport({ ...common, measure: view.apps[0].measure, groups: view.apps.map((a) => a.counts) }), extension: setExt });
  return reports;
}

/** Saves the dossier reports; the key names the criteria set, period and scope. */
export function saveDossier(repo: Repository, view: HealthCriterionView, station: StationConfig, reporter: Reference): Promise<MeasureReport[]> {
  const scope = view.scope.village ?? 'commune';
  return saveReports(repo, dossierReports(view, station, reporter), `${view.criteriaSet}|${view.period.start}|${view.period.end}|${scope}`);
}
