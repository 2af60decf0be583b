import type { OperationOutcome, Parameters, Patient } from '@medplum/fhirtypes';
import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { fhir, operation } from '../api/fhir';
import { ApiError } from '../api/http';
import { TextField } from '../components/fields';
import { ageText, formatDate } from '../format';
import { useAsync } from '../hooks';
import { ResidentChoices } from '../resident/choices';
import { withNameAndBirthDate } from '../resident/duplicates';
import { cccdOf, nameOf, stationNumberOf } from '../resident/read';

/**
 * Merges a record made twice for one person into this one (Patient/$merge, docs/interactions/merge.md):
 * the staff member finds the duplicate (same name and birth date are offered at once; a station
 * number, CCCD or name finds others), sees what would move, and confirms.
 */
export function MergePage({ id }: { id: string }) {
  const target = useAsync((signal) => fhir.read<Patient>('Patient', id, signal), [id]);
  const [text, setText] = useState('');
  const [chosen, setChosen] = useState<Patient>();
  if (target.error) return <p className="banner error" role="alert">{target.error.message}</p>;
  if (!target.data) return <p className="muted">Đang tải…</p>;
  const record = target.data;
  return (
    <section className="stack merge">
      <h1>
        Gộp hồ sơ trùng vào: <Link href={`/nguoi-dan/${id}`}>{nameOf(target.data)}</Link>
      </h1>
      <p className="muted">
        Dùng khi một người được đăng ký hai lần. Mọi lần khám, chỉ số, thẻ BHYT, hộ gia đình và ứng dụng của hồ sơ trùng sẽ chuyển sang hồ sơ này; hồ sơ trùng được đánh dấu
        không còn dùng, số hồ sơ và số CCCD của nó chuyển theo.
      </p>
      {chosen ? (
        <Confirm source={chosen} target={target.data} back={() => setChosen(undefined)} />
      ) : (
        <div className="card">
          <TextField label="Tìm hồ sơ trùng: số hồ sơ, số CCCD hoặc tên" value={text} onChange={setText} autoFocus />
          <ResidentChoices
            text={text}
            label="Hồ sơ có thể trùng"
            offer={(p) => p.id !== record.id}
            before={(signal) => withNameAndBirthDate(nameOf(record), record.birthDate ?? '', signal)}
            depends={[record]}
            choose={setChosen}
            none={(typed) => (typed ? 'Không tìm thấy hồ sơ nào khác.' : 'Không có hồ sơ nào khác cùng họ tên và ngày sinh.')}
          />
        </div>
      )}
    </section>
  );
}

const outcomeText = (answer: Parameters): string =>
  ((answer.parameter?.find((p) => p.name === 'outcome')?.resource as OperationOutcome | undefined)?.issue?.[0]?.details?.text ?? '').split(' / ')[0];

function Confirm({ source, target, back }: { source: Patient; target: Patient; back(): void }) {
  const [, navigate] = useLocation();
  const parts = { 'source-patient': `Patient/${source.id}`, 'target-patient': `Patient/${target.id}` };
  const preview = useAsync(() => operation<Parameters>('Patient/$merge', { ...parts, preview: true }), [source.id, target.id]);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string>();
  const merge = async (): Promise<void> => {
    setSaving(true);
    setError(undefined);
    try {
      await operation<Parameters>('Patient/$merge', parts);
      navigate(`/nguoi-dan/${target.id}?gop=1`);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      setSaving(false);
    }
  };
  return (
    <div className="card">
      <h2>Hồ sơ trùng sẽ được gộp</h2>
      <p>
        <strong>{nameOf(source)}</strong>, {ageText(source.birthDate)} (sinh {formatDate(source.birthDate)}) · số hồ sơ {stationNumberOf(source) ?? '—'} · CCCD {cccdOf(source) ?? '—'}
      </p>
      {preview.error && (
        <p className="banner error" role="alert">
          {preview.error.message}
        </p>
      )}
      {preview.data && <p className="banner">{outcomeText(preview.data)}</p>}
      {error && (
        <p className="banner error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" className="primary" disabled={!preview.data || saving} onClick={() => void merge()}>
          Gộp hồ sơ
        </button>
        <button type="button" onClick={back} disabled={saving}>
          Chọn hồ sơ khác
        </button>
      </div>
    </div>
  );
}
