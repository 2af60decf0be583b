import type { Patient } from '@medplum/fhirtypes';
import { useState } from 'react';
import { Link } from 'wouter';
import { idFrom } from '../api/fhir';
import { ApiError } from '../api/http';
import { SelectField, TextField } from '../components/fields';
import { ageText, formatDate } from '../format';
import { useAsync } from '../hooks';
import { ResidentChoices } from '../resident/choices';
import { nameOf } from '../resident/read';
import { CARER_ROLE_OPTIONS, dependantsOf, linkDependant, roleWord, unlinkDependant, type Dependant } from './carers';

/**
 * The people a resident with the station's app cares for — a young child, an old parent — whose
 * records their app may also open (docs/security.md "Carers"): listed, linked, ended.
 */
export function DependantsCard({ carer }: { carer: Patient }) {
  const carerId = carer.id!;
  const list = useAsync((signal) => dependantsOf(carerId, signal), [carerId]);
  const [error, setError] = useState<string>();
  const end = async (d: Dependant): Promise<void> => {
    if (!window.confirm(`Kết thúc liên kết với ${d.name ?? 'người này'}? Ứng dụng của ${nameOf(carer)} sẽ không mở được hồ sơ này nữa.`)) return;
    setError(undefined);
    try {
      await unlinkDependant(carerId, d.dependant);
      list.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <div className="card stack no-print">
      <h2>Người được chăm sóc</h2>
      <p className="hint">Ứng dụng của người dân mở được cả hồ sơ của những người này (con nhỏ, cha mẹ già…). Người dân chọn hồ sơ khi đăng nhập.</p>
      {list.error && (
        <p className="banner error" role="alert">
          {list.error.message}
        </p>
      )}
      {list.data && !list.data.length && <p className="muted">Chưa liên kết với ai.</p>}
      {!!list.data?.length && (
        <table aria-label="Người được chăm sóc">
          <thead>
            <tr>
              <th>Họ và tên</th>
              <th>Ngày sinh</th>
              <th>Quan hệ</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data.map((d) => (
              <tr key={d.dependant}>
                <td>
                  <Link href={`/nguoi-dan/${idFrom(d.dependant, 'Patient')}`}>{d.name ?? '—'}</Link>
                </td>
                <td>{formatDate(d.birthDate)}</td>
                <td>{roleWord(d.relationship) ?? '—'}</td>
                <td>
                  <button type="button" onClick={() => void end(d)}>
                    Kết thúc liên kết
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <LinkForm carer={carer} linked={(list.data ?? []).map((d) => d.dependant)} done={list.reload} />
    </div>
  );
}

/** Finds the dependant (station number, CCCD or name), then the relationship, then links. */
function LinkForm({ carer, linked, done }: { carer: Patient; linked: string[]; done(): void }) {
  const [text, setText] = useState('');
  const [chosen, setChosen] = useState<Patient>();
  const [role, setRole] = useState(carer.gender === 'male' ? 'FTH' : 'MTH');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const link = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await linkDependant(carer.id!, chosen!.id!, role);
      setChosen(undefined);
      setText('');
      done();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Không lưu được: mất kết nối với máy chủ');
    }
    setBusy(false);
  };
  if (chosen) {
    return (
      <div className="stack">
        <p>
          Liên kết <strong>{nameOf(carer)}</strong> với <strong>{nameOf(chosen)}</strong>, {ageText(chosen.birthDate)} (sinh {formatDate(chosen.birthDate)})
        </p>
        <SelectField label={`${nameOf(carer)} là … của người này`} value={role} onChange={setRole} options={CARER_ROLE_OPTIONS} />
        {error && (
          <p className="banner error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="button" className="primary" disabled={busy} onClick={() => void link()}>
            {busy ? 'Đang lưu…' : 'Liên kết'}
          </button>
          <button type="button" disabled={busy} onClick={() => setChosen(undefined)}>
            Chọn người khác
          </button>
        </div>
      </div>
    );
  }
  const excluded = [`Patient/${carer.id}`, ...linked];
  return (
    <>
      <TextField label="Thêm người được chăm sóc: số hồ sơ, số CCCD hoặc tên" value={text} onChange={setText} />
      <ResidentChoices
        text={text}
        label="Người có thể liên kết"
        offer={(p) => !excluded.includes(`Patient/${p.id}`)}
        depends={[excluded.join()]}
        choose={setChosen}
        none={() => 'Không tìm thấy ai.'}
      />
    </>
  );
}
