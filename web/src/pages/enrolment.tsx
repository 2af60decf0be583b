import type { Basic, Patient } from '@medplum/fhirtypes';
import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { CS } from '../../../src/station/canonical';
import { fhir } from '../api/fhir';
import { ApiError } from '../api/http';
import { useSession } from '../api/session';
import { DateField, RadioField, SelectField, TextField } from '../components/fields';
import { QrCode } from '../components/qr-code';
import { formatDate, formatDateTime, parseDate, today } from '../format';
import { useAsync } from '../hooks';
import { enrolmentsOf, nameOf, type Enrolment } from '../resident/read';
import { DependantsCard } from '../enrolment/dependants';
import { activationUrl, enrol, STATION_APP, suggestedUsername, withdraw, type Activation, type Verification } from '../enrolment/enrol';
import { concepts } from '../terminology';

/** Enrol a resident in the e-health book, telemedicine or the station's app; hand over the activation code; link the people they care for; withdraw. */
export function EnrolmentPage({ id }: { id: string }) {
  const patient = useAsync((signal) => fhir.read<Patient>('Patient', id, signal), [id]);
  const records = useAsync(async (signal) => (await fhir.searchAll<Basic>('Basic', [['subject', `Patient/${id}`]], signal)).matches, [id]);
  const [activation, setActivation] = useState<Activation>();
  if (patient.error) return <p className="banner error" role="alert">{patient.error.message}</p>;
  if (!patient.data) return <p className="muted">Đang tải…</p>;
  const enrolments = enrolmentsOf(records.data ?? []);
  return (
    <section className="stack enrolment">
      <h1>
        Ứng dụng sức khỏe: <Link href={`/nguoi-dan/${id}`}>{nameOf(patient.data)}</Link>
      </h1>
      {activation && <ActivationCard activation={activation} name={nameOf(patient.data)} />}
      <div className="card no-print">
        <h2>Đã đăng ký</h2>
        <EnrolmentList enrolments={enrolments} patientId={id} changed={records.reload} />
      </div>
      {/* Only a resident with an account in the station's app can open someone else's record. */}
      {enrolments.some((e) => e.active && e.app === STATION_APP) && <DependantsCard carer={patient.data} />}
      <EnrolForm
        patient={patient.data}
        taken={enrolments.filter((e) => e.active).map((e) => e.app)}
        done={(a) => {
          setActivation(a);
          records.reload();
        }}
      />
    </section>
  );
}

function EnrolmentList({ enrolments, patientId, changed }: { enrolments: Enrolment[]; patientId: string; changed(): void }) {
  const [error, setError] = useState<string>();
  if (!enrolments.length) return <p className="muted">Chưa đăng ký ứng dụng nào.</p>;
  const stop = async (e: Enrolment): Promise<void> => {
    if (!window.confirm(`Rút đăng ký "${e.appName}"?${e.app === STATION_APP ? ' Ứng dụng của người dân sẽ mất quyền truy cập ngay.' : ''}`)) return;
    try {
      await withdraw(e.resource, patientId);
      changed();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <>
      <table aria-label="Ứng dụng đã đăng ký">
        <thead>
          <tr>
            <th>Ứng dụng</th>
            <th>Xác minh</th>
            <th>Thời gian</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {enrolments.map((e) => (
            <tr key={e.resource.id}>
              <td>{e.appName}</td>
              <td>{e.verification}</td>
              <td>{e.active ? `từ ${formatDate(e.start)}` : `${formatDate(e.start)} – ${formatDate(e.end)} (đã rút)`}</td>
              <td>
                {e.active && (
                  <button type="button" onClick={() => void stop(e)}>
                    Rút đăng ký
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {error && <p className="error" role="alert">{error}</p>}
    </>
  );
}

function EnrolForm({ patient, taken, done }: { patient: Patient; taken: string[]; done(a?: Activation): void }) {
  const session = useSession();
  const apps = concepts(CS.enrolmentApp).filter((a) => !taken.includes(a.code));
  const [app, setApp] = useState('');
  const [verification, setVerification] = useState<Verification>('seen-on-phone');
  const [date, setDate] = useState(formatDate(today()));
  const [username, setUsername] = useState(suggestedUsername(patient));
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const chosen = app || apps[0]?.code || '';
  const day = parseDate(date);
  const dateError = !day ? 'Ngày dạng ngày/tháng/năm' : day > today() ? 'Ngày ở tương lai' : undefined;
  const userError = chosen === STATION_APP && !/^[A-Za-z0-9._-]{3,64}$/.test(username) ? 'Tên đăng nhập 3–64 ký tự: chữ, số, dấu chấm, gạch' : undefined;

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (dateError || userError || !chosen) return;
    setBusy(true);
    setError(undefined);
    try {
      const { activation } = await enrol(patient, chosen, verification, day!, username, session);
      setApp('');
      done(activation);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Không lưu được: mất kết nối với máy chủ');
    }
    setBusy(false);
  };

  if (!apps.length) return null;
  return (
    <form className="card stack no-print" onSubmit={submit} noValidate>
      <h2>Đăng ký mới</h2>
      <div className="grid">
        <SelectField label="Ứng dụng" value={chosen} onChange={setApp} options={apps} />
        <DateField label="Ngày đăng ký" value={date} onChange={setDate} error={dateError} />
        {chosen === STATION_APP && <TextField label="Tên đăng nhập của người dân" value={username} onChange={setUsername} error={userError} hint="Mặc định là số điện thoại hoặc CCCD" />}
      </div>
      <RadioField label="Cách xác minh" name="verification" value={verification} onChange={(v) => setVerification(v as Verification)} options={concepts(CS.enrolmentVerification)} />
      {chosen === STATION_APP && <p className="hint">Trạm sẽ tạo tài khoản, ghi nhận sự đồng ý chia sẻ dữ liệu và cấp mã kích hoạt dùng một lần (hiệu lực 14 ngày).</p>}
      {error && (
        <p className="banner error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Đang lưu…' : chosen === STATION_APP ? 'Đăng ký và cấp mã kích hoạt' : 'Lưu đăng ký'}
        </button>
      </div>
    </form>
  );
}

/** The code to hand over: large, with a QR code of the activation page, printable on its own. */
function ActivationCard({ activation, name }: { activation: Activation; name: string }) {
  const url = activationUrl(activation);
  return (
    <div className="card activation" aria-label="Mã kích hoạt">
      <h2>Mã kích hoạt ứng dụng của trạm</h2>
      <div className="activation-body">
        <QrCode text={url} label="Mã QR kích hoạt" />
        <dl>
          <dt>Người dân</dt>
          <dd>{name}</dd>
          <dt>Tên đăng nhập</dt>
          <dd className="big">{activation.username}</dd>
          <dt>Mã kích hoạt</dt>
          <dd className="big code" aria-label="Mã kích hoạt">
            {activation.activationCode.replace(/(\d{3})(?=\d)/g, '$1 ')}
          </dd>
          <dt>Hết hạn</dt>
          <dd>{formatDateTime(activation.expires)}</dd>
        </dl>
      </div>
      <p className="hint">Quét mã QR bằng điện thoại (hoặc mở {location.origin}/kich-hoat) để đặt mật khẩu. Mã chỉ dùng được một lần và không hiện lại: hãy đưa cho người dân ngay.</p>
      <div className="actions no-print">
        <button type="button" onClick={() => window.print()}>
          In mã kích hoạt
        </button>
      </div>
    </div>
  );
}
