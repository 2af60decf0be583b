import type { Appointment } from '@medplum/fhirtypes';
import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { ApiError } from '../api/http';
import { DateField } from '../components/fields';
import { formatDate, formatDateTime, parseDate, today } from '../format';
import { useAsync } from '../hooks';
import { nameOf } from '../resident/read';
import { accept, appointmentsOn, channelOf, fromResident, messagesAbout, start, STATUS, type DayAppointment } from '../telemedicine/api';

/** Today's remote consultations: accept a booking, start one, see the residents' messages. */
export function RemotePage() {
  const [date, setDate] = useState(formatDate(today()));
  const day = parseDate(date);
  const list = useAsync(async (signal) => (day ? appointmentsOn(day, signal) : []), [day]);
  const refs = (list.data ?? []).map((d) => `Appointment/${d.appointment.id}`);
  const messages = useAsync(async (signal) => messagesAbout(refs, signal), [refs.join(',')]);
  return (
    <section className="stack">
      <h1>Khám chữa bệnh từ xa</h1>
      <div className="card row">
        <DateField label="Ngày" value={date} onChange={setDate} error={day ? undefined : 'Ngày dạng ngày/tháng/năm'} />
        <p className="muted">Lịch hẹn khám từ xa của trạm trong ngày. Chỉ khám từ xa các bệnh trong danh mục của Thông tư 30/2023/TT-BYT.</p>
      </div>
      {list.error && <p className="banner error" role="alert">{list.error.message}</p>}
      {list.data && !list.data.length && <p>Không có lịch hẹn nào trong ngày.</p>}
      {list.data && list.data.length > 0 && (
        <table aria-label="Lịch hẹn khám từ xa">
          <thead>
            <tr>
              <th>Giờ</th>
              <th>Người dân</th>
              <th>Lý do</th>
              <th>Tình trạng</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data.map((d) => (
              <AppointmentRow key={d.appointment.id} item={d} messages={(messages.data ?? []).filter((m) => m.about?.some((a) => a.reference === `Appointment/${d.appointment.id}`) && fromResident(m))} changed={list.reload} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function AppointmentRow({ item, messages, changed }: { item: DayAppointment; messages: { id?: string; sent?: string; payload?: { contentString?: string }[] }[]; changed(): void }) {
  const { appointment: a, patient } = item;
  const [, navigate] = useLocation();
  const [error, setError] = useState<string>();
  const status = STATUS[a.status] ?? { text: a.status, tone: '' };
  const act = async (action: (a: Appointment) => Promise<unknown>, then?: (r: unknown) => void): Promise<void> => {
    setError(undefined);
    try {
      const result = await action(a);
      if (then) then(result);
      else changed();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Mất kết nối với máy chủ');
    }
  };
  return (
    <tr>
      <td>{formatDateTime(a.start).slice(11)}</td>
      <td>
        {patient ? <Link href={`/nguoi-dan/${patient.id}`}>{nameOf(patient)}</Link> : '—'}
        {channelOf(a) && <div className="hint">{channelOf(a)}</div>}
      </td>
      <td>
        {a.reasonCode?.map((r) => r.text).join('; ') ?? a.description ?? ''}
        {messages.length > 0 && (
          <details>
            <summary>{messages.length} tin nhắn của người dân</summary>
            <ul>
              {messages.map((m) => (
                <li key={m.id}>
                  <span className="hint">{formatDateTime(m.sent)}</span> {m.payload?.map((p) => p.contentString).join(' ')}
                </li>
              ))}
            </ul>
          </details>
        )}
      </td>
      <td>
        <span className={`badge ${status.tone}`}>{status.text}</span>
      </td>
      <td>
        {(a.status === 'proposed' || a.status === 'pending') && (
          <button type="button" onClick={() => void act((x) => accept(x.id!))}>
            Nhận lịch
          </button>
        )}
        {(a.status === 'booked' || a.status === 'arrived') && (
          <button type="button" className="primary" onClick={() => void act((x) => start(x.id!), (e) => navigate(`/kham-tu-xa/${(e as { id: string }).id}`))}>
            {a.status === 'arrived' ? 'Vào khám' : 'Bắt đầu khám'}
          </button>
        )}
        {error && (
          <div className="field-error" role="alert">
            {error}
          </div>
        )}
      </td>
    </tr>
  );
}
