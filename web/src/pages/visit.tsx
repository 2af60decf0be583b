import type { Patient } from '@medplum/fhirtypes';
import { useEffect, useState, type FormEvent } from 'react';
import { useLocation } from 'wouter';
import { CS } from '../../../src/station/canonical';
import { fhir } from '../api/fhir';
import { useSession } from '../api/session';
import { DateField, Field, RadioField, SelectField, TextField } from '../components/fields';
import { IcdPicker, icdDisplay } from '../components/icd-picker';
import { ageText, formatDateTime, monthsBetween, today } from '../format';
import { useAsync } from '../hooks';
import { loadStation } from '../resident/commune';
import { nameOf, sexText } from '../resident/read';
import { checkVisit, emptyVisit, visitEntries, type VisitForm, type VisitPreview } from '../visit/form';
import { outbox } from '../visit/outbox';
import { loadExaminers } from '../visit/practitioners';
import { PrescriptionFields } from '../visit/prescription-fields';
import { VitalsFields } from '../visit/vitals-fields';
import { concepts } from '../terminology';

const CLASSES = [
  { code: 'AMB', display: 'Tại trạm' },
  { code: 'HH', display: 'Tại nhà' },
];

/** Enter a visit: the examination register's fields, saved as one transaction that survives a dropped connection. */
export function VisitPage({ id }: { id: string }) {
  const patient = useAsync((signal) => fhir.read<Patient>('Patient', id, signal), [id]);
  if (patient.error) return <p className="banner error" role="alert">{patient.error.message}</p>;
  if (!patient.data) return <p className="muted">Đang tải…</p>;
  return <VisitEditor patient={patient.data} />;
}

function VisitEditor({ patient }: { patient: Patient }) {
  const session = useSession();
  const [, navigate] = useLocation();
  const ageMonths = patient.birthDate ? monthsBetween(patient.birthDate, today()) : 12 * 30;
  const [form, setForm] = useState<VisitForm>(() => emptyVisit(new Date(), session?.practitioner ?? '', ageMonths < 16 * 12 ? 'nhi' : 'noi'));
  const [submitted, setSubmitted] = useState(false);
  const [saving, setSaving] = useState(false);
  const [refused, setRefused] = useState<string>();
  const examiners = useAsync(() => loadExaminers(), []);
  const { problems, vitals } = checkVisit(form, ageMonths, submitted);
  const set = <K extends keyof VisitForm>(key: K) => (value: VisitForm[K]) => setForm((f) => ({ ...f, [key]: value }));

  // Only one examiner to choose from: choose them.
  useEffect(() => {
    if (!form.examiner && examiners.data?.length === 1) setForm((f) => ({ ...f, examiner: examiners.data![0].reference }));
  }, [examiners.data, form.examiner]);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setSubmitted(true);
    const check = checkVisit(form, ageMonths, true);
    if (Object.keys(check.problems).length || Object.keys(check.vitals.errors).length) return;
    setSaving(true);
    setRefused(undefined);
    const examiner = examiners.data?.find((e) => e.reference === form.examiner) ?? { reference: form.examiner, display: session?.username ?? '' };
    const station = await loadStation().catch(() => undefined);
    const { key, entries, preview } = visitEntries(form, `Patient/${patient.id}`, examiner, station?.reference);
    const result = await outbox.submit<VisitPreview>({ key, kind: 'visit', patient: `Patient/${patient.id}`, label: `Lần khám của ${nameOf(patient)} lúc ${formatDateTime(preview.start)}`, preview, entries });
    if (result.state === 'refused') {
      // Nothing was stored: the form keeps everything so the user can correct it.
      outbox.discard(key);
      setRefused(result.error);
      setSaving(false);
      return;
    }
    navigate(`/nguoi-dan/${patient.id}?muc=kham&${result.state === 'saved' ? 'da-luu' : 'cho-luu'}=1`);
  };

  return (
    <form onSubmit={submit} noValidate className="stack">
      <h1>
        Khám bệnh: {nameOf(patient)} <span className="muted">({sexText(patient.gender)}, {ageText(patient.birthDate)})</span>
      </h1>
      <div className="card grid">
        <DateField label="Ngày khám" required value={form.date} onChange={set('date')} error={problems.date} />
        <TextField label="Giờ khám" required value={form.time} onChange={set('time')} error={problems.time} inputMode="numeric" maxLength={5} />
        <RadioField label="Nơi khám" name="class" value={form.class} onChange={(v) => set('class')(v as VisitForm['class'])} options={CLASSES} />
        <SelectField label="Chuyên khoa" value={form.specialty} onChange={set('specialty')} options={concepts(CS.examSpecialty)} />
        <SelectField label="Người khám" required value={form.examiner} onChange={set('examiner')} options={(examiners.data ?? []).map((e) => ({ code: e.reference, display: e.display }))} empty="— chọn người khám —" error={problems.examiner} />
      </div>
      <div className="card stack">
        <Area label="Lý do khám, triệu chứng" required value={form.symptoms} onChange={set('symptoms')} error={problems.symptoms} />
        <h2>Dấu hiệu sinh tồn</h2>
        <VitalsFields vitals={form.vitals} notes={vitals} onChange={set('vitals')} />
        <Area label="Khám thực thể" value={form.findings} onChange={set('findings')} />
        <IcdPicker value={form.diagnoses} onChange={set('diagnoses')} error={problems.diagnoses} sex={patient.gender} />
        <Area label="Xử trí" required value={form.treatment} onChange={set('treatment')} error={problems.treatment} />
        <h2>Đơn thuốc</h2>
        <PrescriptionFields value={form.prescriptions} onChange={set('prescriptions')} error={problems.prescriptions} />
        <Area label="Lời dặn" value={form.advice} onChange={set('advice')} />
      </div>
      {refused && (
        <p className="banner error" role="alert">
          Máy chủ không nhận lần khám này: {refused}
        </p>
      )}
      {submitted && (Object.keys(problems).length > 0 || Object.keys(vitals.errors).length > 0) && (
        <p className="banner error" role="alert">
          Còn thông tin cần sửa (tô đỏ ở trên).
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Đang lưu…' : 'Lưu lần khám'}
        </button>
        <span className="hint">Chẩn đoán chính: {form.diagnoses[0] ? `${form.diagnoses[0]} – ${icdDisplay(form.diagnoses[0])}` : 'chưa chọn'}</span>
      </div>
    </form>
  );
}

function Area({ label, value, onChange, error, required }: { label: string; value: string; onChange(v: string): void; error?: string; required?: boolean }) {
  return (
    <Field label={label} error={error} required={required}>
      {(props) => <textarea {...props} value={value} onChange={(e) => onChange(e.target.value)} />}
    </Field>
  );
}
