import type { Observation } from '@medplum/fhirtypes';
import { SYSTEMS } from '../../../src/station/canonical';
import { BP_DIASTOLIC, BP_PANEL, BP_SYSTOLIC, VITAL_SIGNS } from '../../../src/station/rules/vital-signs';
import { icdDisplay } from '../components/icd-picker';
import { formatDateTime, formatNumber } from '../format';
import type { VisitPreview } from '../visit/form';
import { outbox, type PendingSave } from '../visit/outbox';
import { examinerOf, icdOf, noteOf, prescriptionText, specialtyOf, symptomsOf, treatmentOf, visitKind } from './clinical';
import type { Visit } from './record';

const loincOf = (o: { code?: Observation['code'] }): string | undefined => o.code?.coding?.find((c) => c.system === SYSTEMS.loinc)?.code;

/** "Huyết áp 150/95 mmHg; Mạch 88 /min" */
export function vitalsText(observations: Observation[]): string {
  return observations
    .map((o) => {
      const loinc = loincOf(o);
      if (loinc === BP_PANEL) {
        const part = (code: string): string => formatNumber(o.component?.find((c) => loincOf(c) === code)?.valueQuantity?.value);
        return `Huyết áp ${part(BP_SYSTOLIC.loinc)}/${part(BP_DIASTOLIC.loinc)} mmHg`;
      }
      const sign = VITAL_SIGNS.find((v) => v.loinc === loinc);
      if (!sign || o.valueQuantity?.value === undefined) return '';
      return `${sign.vi} ${formatNumber(o.valueQuantity.value)} ${UNIT[o.valueQuantity.code ?? ''] ?? o.valueQuantity.unit ?? ''}`.trim();
    })
    .filter(Boolean)
    .join('; ');
}

/** UCUM units as people write them. */
export const UNIT: Record<string, string> = { '/min': 'lần/phút', Cel: '°C', kg: 'kg', cm: 'cm', '%': '%', 'kg/m2': 'kg/m²', g: 'g', 'mm[Hg]': 'mmHg' };

/** The visits, newest first, with the examination register's fields. */
export function Timeline({ visits }: { visits: Visit[] }) {
  if (!visits.length) return <p className="muted">Chưa có lần khám nào.</p>;
  return (
    <ol className="timeline" aria-label="Các lần khám">
      {visits.map(({ encounter: e, diagnoses, prescriptions, vitals }) => (
        <li key={e.id} className={e.class?.code === 'VR' ? 'remote' : undefined}>
          <strong>{formatDateTime(e.period?.start)}</strong> — {visitKind(e)}
          {specialtyOf(e) ? `, khoa ${specialtyOf(e)}` : ''}
          {e.status !== 'finished' && <span className="badge warn"> {e.status === 'in-progress' ? 'đang khám' : e.status}</span>}
          <dl>
            <dt>Triệu chứng</dt>
            <dd>{symptomsOf(e) || '—'}</dd>
            {vitals.length > 0 && (
              <>
                <dt>Sinh hiệu</dt>
                <dd>{vitalsText(vitals)}</dd>
              </>
            )}
            <dt>Chẩn đoán</dt>
            <dd>{diagnoses.map((d, i) => `${icdOf(d).code} ${icdOf(d).display ?? ''}${i === 0 && diagnoses.length > 1 ? ' (chính)' : ''}`).join('; ') || '—'}</dd>
            <dt>Xử trí</dt>
            <dd>{treatmentOf(e) || '—'}</dd>
            {prescriptions.length > 0 && (
              <>
                <dt>Đơn thuốc</dt>
                <dd>
                  {prescriptions.map((m) => (
                    <div key={m.id}>{prescriptionText(m)}</div>
                  ))}
                </dd>
              </>
            )}
            {noteOf(e) && (
              <>
                <dt>Lời dặn</dt>
                <dd>{noteOf(e)}</dd>
              </>
            )}
            <dt>Người khám</dt>
            <dd>{examinerOf(e) ?? '—'}</dd>
          </dl>
        </li>
      ))}
    </ol>
  );
}

/** Visits typed here but not yet stored: shown first, marked as waiting, with "try now". */
export function WaitingVisits({ saves }: { saves: PendingSave<VisitPreview>[] }) {
  if (!saves.length) return null;
  return (
    <ol className="timeline" aria-label="Lần khám chờ lưu">
      {saves.map((s) => (
        <li key={s.key} className="waiting">
          <strong>{s.label}</strong> — <span className="badge warn">{s.state === 'refused' ? 'Máy chủ không nhận' : s.state === 'sending' ? 'Đang gửi…' : 'Đang chờ lưu'}</span>
          <dl>
            <dt>Triệu chứng</dt>
            <dd>{s.preview.symptoms}</dd>
            <dt>Chẩn đoán</dt>
            <dd>{s.preview.diagnoses.map((c) => `${c} ${icdDisplay(c)}`).join('; ')}</dd>
            <dt>Tình trạng</dt>
            <dd>
              {s.error ?? ''} (đã thử {s.attempts} lần){' '}
              <button type="button" className="link" onClick={() => outbox.retry(s.key)}>
                Thử lại ngay
              </button>
            </dd>
          </dl>
        </li>
      ))}
    </ol>
  );
}
