import type { Patient } from '@medplum/fhirtypes';
import { useState } from 'react';
import { CS } from '../../../src/station/canonical';
import { useSession } from '../api/session';
import { DateField } from '../components/fields';
import { formatDate, parseDate, today } from '../format';
import { useAsync } from '../hooks';
import { nameOf } from '../resident/read';
import { display } from '../terminology';
import { outbox, type PendingSave } from '../visit/outbox';
import { useOutbox } from '../visit/outbox-status';
import { loadExaminers } from '../visit/practitioners';
import type { DueDose } from './due';
import { doseEntries, type DosePreview } from './record-dose';

export const vaccineName = (code: string): string => display(CS.epiVaccine, code) ?? code;

function lateText(d: DueDose): string {
  if (d.lateDays > 0) return `${d.status === 'overdue' ? 'quá hạn' : 'đến hạn'} ${d.lateDays} ngày`;
  if (d.lateDays === 0) return 'đến hạn hôm nay';
  return `đến hạn ${formatDate(d.dueDate)}`;
}

/**
 * The doses a child is due for, as buttons: the first click opens the dose (date today, who gave
 * it), the second records it — through the outbox, so a dropped connection loses nothing.
 */
export function DueDoses({ patient, due }: { patient: Patient; due: DueDose[] }) {
  const [open, setOpen] = useState<DueDose>();
  const saves = useOutbox().filter((s) => s.kind === 'dose' && s.patient === `Patient/${patient.id}`) as PendingSave<DosePreview>[];
  const stateOf = (d: DueDose): PendingSave<DosePreview> | undefined => saves.find((s) => s.preview.vaccine === d.vaccine && s.preview.dose === d.dose && s.state !== 'refused');
  if (!due.length) return <span className="muted">Không có mũi đến hạn</span>;
  return (
    <div className="doses">
      {due.map((d) => {
        const save = stateOf(d);
        const label = `${vaccineName(d.vaccine)} mũi ${d.dose}`;
        if (save) {
          return (
            <span key={`${d.vaccine}${d.dose}`} className={`badge ${save.state === 'saved' ? 'ok' : 'warn'}`}>
              {label}: {save.state === 'saved' ? `đã ghi ${formatDate(save.preview.date)}` : 'đang chờ lưu'}
            </span>
          );
        }
        return (
          <button key={`${d.vaccine}${d.dose}`} type="button" className={`dose ${d.status}`} aria-expanded={open === d} onClick={() => setOpen(open === d ? undefined : d)}>
            {label} <span className="hint">({lateText(d)})</span>
          </button>
        );
      })}
      {open && <RecordDose patient={patient} dose={open} close={() => setOpen(undefined)} />}
    </div>
  );
}

function RecordDose({ patient, dose, close }: { patient: Patient; dose: DueDose; close(): void }) {
  const session = useSession();
  const examiners = useAsync(() => loadExaminers(), []);
  const [date, setDate] = useState(formatDate(today()));
  const [performer, setPerformer] = useState(session?.practitioner ?? '');
  const [lot, setLot] = useState('');
  const [error, setError] = useState<string>();
  const day = parseDate(date);
  const dateError = !day ? 'Ngày tiêm dạng ngày/tháng/năm' : day > today() ? 'Ngày tiêm ở tương lai' : patient.birthDate && day < patient.birthDate ? 'Trước ngày sinh' : undefined;

  const save = async (): Promise<void> => {
    if (dateError) return;
    const who = examiners.data?.find((e) => e.reference === performer);
    const { key, entries, preview } = doseEntries(`Patient/${patient.id}`, dose.vaccine, dose.dose, day!, who, lot);
    const result = await outbox.submit<DosePreview>({ key, kind: 'dose', patient: `Patient/${patient.id}`, label: `${vaccineName(dose.vaccine)} mũi ${dose.dose} cho ${nameOf(patient)}`, preview, entries });
    if (result.state === 'refused') {
      outbox.discard(key);
      setError(result.error);
      return;
    }
    close();
  };

  return (
    <div className="record-dose card" role="group" aria-label={`Ghi mũi ${vaccineName(dose.vaccine)} mũi ${dose.dose}`}>
      <strong>
        Ghi mũi tiêm: {vaccineName(dose.vaccine)} mũi {dose.dose} — {nameOf(patient)}
      </strong>
      <div className="row">
        <DateField label="Ngày tiêm" value={date} onChange={setDate} error={dateError} />
        <label>
          Người tiêm
          <select value={performer} onChange={(e) => setPerformer(e.target.value)}>
            <option value="">(không ghi)</option>
            {(examiners.data ?? []).map((e) => (
              <option key={e.reference} value={e.reference}>
                {e.display}
              </option>
            ))}
          </select>
        </label>
        <label>
          Số lô vắc xin
          <input value={lot} onChange={(e) => setLot(e.target.value)} autoComplete="off" />
        </label>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" className="primary" onClick={() => void save()}>
          Lưu mũi tiêm
        </button>
        <button type="button" onClick={close}>
          Hủy
        </button>
      </div>
    </div>
  );
}
