import type { Appointment, Encounter, Patient } from '@medplum/fhirtypes';
import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import { fhir, idFrom } from '../api/fhir';
import { ApiError } from '../api/http';
import { useSession } from '../api/session';
import { Field } from '../components/fields';
import { IcdPicker } from '../components/icd-picker';
import { ageText, formatDateTime } from '../format';
import { useAsync } from '../hooks';
import { nameOf, sexText } from '../resident/read';
import { circular30Refusal, finish, fromResident, joinDetails, messagesAbout, patientOf, reply } from '../telemedicine/api';
import { ICD10 } from '../terminology';

interface Consultation {
  encounter: Encounter;
  patient: Patient;
  appointment?: Appointment;
}

async function load(id: string, signal: AbortSignal): Promise<Consultation> {
  const encounter = await fhir.read<Encounter>('Encounter', id, signal);
  const appointmentId = idFrom(encounter.appointment?.[0]?.reference, 'Appointment');
  const [patient, appointment] = await Promise.all([
    fhir.read<Patient>('Patient', idFrom(patientOf(encounter), 'Patient') ?? '', signal),
    appointmentId ? fhir.read<Appointment>('Appointment', appointmentId, signal) : Promise.resolve(undefined),
  ]);
  return { encounter, patient, appointment };
}

/** A remote consultation in progress: how to join, the messages, and the register fields to finish it. */
export function ConsultationPage({ id }: { id: string }) {
  const consultation = useAsync((signal) => load(id, signal), [id]);
  if (consultation.error) return <p className="banner error" role="alert">{consultation.error.message}</p>;
  if (!consultation.data) return <p className="muted">Đang tải…</p>;
  const { encounter, patient, appointment } = consultation.data;
  return (
    <section className="stack">
      <h1>
        Khám từ xa: <Link href={`/nguoi-dan/${patient.id}`}>{nameOf(patient)}</Link> <span className="muted">({sexText(patient.gender)}, {ageText(patient.birthDate)})</span>
      </h1>
      <div className="card">
        <p>
          Bắt đầu {formatDateTime(encounter.period?.start)} · Lý do: {encounter.reasonCode?.map((r) => r.text).join('; ')} · Người khám: {encounter.participant?.[0]?.individual?.display}
        </p>
        <ul aria-label="Cách vào cuộc khám">
          {joinDetails(encounter).map((j) => (
            <li key={j.channel}>
              {j.channel}:{' '}
              {j.url ? (
                <a href={j.url} target="_blank" rel="noreferrer">
                  {j.url}
                </a>
              ) : (
                j.text
              )}
            </li>
          ))}
        </ul>
      </div>
      {appointment && <Messages appointment={appointment} />}
      {encounter.status === 'in-progress' ? <FinishForm encounter={encounter} patient={patient} /> : <p className="banner ok">Lượt khám từ xa này đã kết thúc.</p>}
    </section>
  );
}

function Messages({ appointment }: { appointment: Appointment }) {
  const session = useSession();
  const messages = useAsync((signal) => messagesAbout([`Appointment/${appointment.id}`], signal), [appointment.id]);
  const [text, setText] = useState('');
  const send = async (): Promise<void> => {
    if (!text.trim()) return;
    await reply(appointment, text.trim(), session?.practitioner);
    setText('');
    messages.reload();
  };
  return (
    <div className="card">
      <h2>Tin nhắn</h2>
      {(messages.data ?? []).length === 0 && <p className="muted">Chưa có tin nhắn.</p>}
      <ul className="messages" aria-label="Tin nhắn">
        {(messages.data ?? []).map((m) => (
          <li key={m.id} className={fromResident(m) ? 'theirs' : 'ours'}>
            <span className="hint">
              {fromResident(m) ? 'Người dân' : 'Trạm'} · {formatDateTime(m.sent)}
            </span>
            <div>{m.payload?.map((p) => p.contentString).join(' ')}</div>
          </li>
        ))}
      </ul>
      <div className="row">
        <label style={{ flex: 1 }}>
          Trả lời người dân
          <input value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <button type="button" onClick={() => void send()}>
          Gửi
        </button>
      </div>
    </div>
  );
}

function FinishForm({ encounter, patient }: { encounter: Encounter; patient: Patient }) {
  const [, navigate] = useLocation();
  const [diagnoses, setDiagnoses] = useState<string[]>([]);
  const [findings, setFindings] = useState('');
  const [treatment, setTreatment] = useState('');
  const [advice, setAdvice] = useState('');
  const [acknowledge, setAcknowledge] = useState(false);
  const [askAcknowledge, setAskAcknowledge] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  // The list bundled with the page; the server's (with the station's additions) has the last word.
  const offList = diagnoses[0] !== undefined && !ICD10.find((c) => c.code === diagnoses[0])?.telemedicine;

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (!diagnoses.length || !treatment.trim()) return setError('Cần chẩn đoán ICD-10 và xử trí');
    setBusy(true);
    setError(undefined);
    try {
      await finish(encounter.id!, { diagnoses, findings, treatment, advice, acknowledgeOffList: acknowledge });
      navigate(`/nguoi-dan/${patient.id}?muc=kham`);
    } catch (err) {
      const refusal = circular30Refusal(err);
      if (refusal === 'acknowledge') setAskAcknowledge(true);
      setError(err instanceof ApiError ? err.message : 'Chưa lưu được: mất kết nối với máy chủ. Thông tin vẫn còn trên trang.');
      setBusy(false);
    }
  };

  return (
    <form className="card stack" onSubmit={submit} noValidate>
      <h2>Kết thúc lượt khám</h2>
      <IcdPicker value={diagnoses} onChange={setDiagnoses} sex={patient.gender} />
      {(offList || askAcknowledge) && (
        <div className="banner warn" role="alert">
          Cảnh báo Thông tư 30/2023/TT-BYT: bệnh {diagnoses[0]} không có trong danh mục được khám chữa bệnh từ xa. Nên hẹn người dân đến khám trực tiếp.
          <label className="inline">
            <input type="checkbox" checked={acknowledge} onChange={(e) => setAcknowledge(e.target.checked)} /> Tôi đã cân nhắc và vẫn kết thúc lượt khám từ xa với chẩn đoán này
          </label>
        </div>
      )}
      <Area label="Khám / nhận định qua cuộc gọi" value={findings} onChange={setFindings} />
      <Area label="Xử trí" value={treatment} onChange={setTreatment} required />
      <Area label="Lời dặn" value={advice} onChange={setAdvice} />
      {error && (
        <p className="banner error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Đang lưu…' : 'Kết thúc lượt khám'}
        </button>
      </div>
    </form>
  );
}

function Area({ label, value, onChange, required }: { label: string; value: string; onChange(v: string): void; required?: boolean }) {
  return <Field label={label} required={required}>{(props) => <textarea {...props} value={value} onChange={(e) => onChange(e.target.value)} />}</Field>;
}
