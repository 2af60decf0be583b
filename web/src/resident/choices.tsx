import type { Patient } from '@medplum/fhirtypes';
import { fhir } from '../api/fhir';
import { formatDate } from '../format';
import { useAsync, useDebounced } from '../hooks';
import { cccdOf, nameOf, residenceOf, stationNumberOf } from './read';
import { readQuery, searchParams } from './search';

/**
 * The residents matching what a staff member typed (a station number, CCCD, phone or name), each
 * with a "Chọn" button: to pick the second record of a merge, a carer's dependant. Records no
 * longer in use are never offered, nor those `offer` leaves out.
 */
export function ResidentChoices({ text, label, offer, choose, before, none, depends }: {
  text: string;
  /** What `offer` and `before` read: a change of it asks again. */
  depends: readonly unknown[];
  /** The table's accessible name. */
  label: string;
  offer(p: Patient): boolean;
  choose(p: Patient): void;
  /** What to offer before anything is typed; nothing when absent. */
  before?: (signal: AbortSignal) => Promise<Patient[]>;
  /** What to say when nothing is found, given what was typed. */
  none(typed: string): string;
}) {
  const typed = useDebounced(text, 300);
  const found = useAsync(async (signal) => {
    const params = searchParams(readQuery(typed), { village: '', gender: '', ageBand: '' });
    const matches = params ? (await fhir.search<Patient>('Patient', params, signal)).matches : before ? await before(signal) : undefined;
    return matches?.filter((p) => p.active !== false && offer(p));
  }, [typed, ...depends]);
  if (found.error) return <p className="banner error">{found.error.message}</p>;
  if (found.loading && !found.data) return <p className="muted">Đang tìm…</p>;
  if (!found.data) return null;
  if (!found.data.length) return <p className="muted">{none(typed)}</p>;
  return (
    <table aria-label={label}>
      <thead>
        <tr>
          <th>Họ và tên</th>
          <th>Ngày sinh</th>
          <th>Thôn</th>
          <th>Số hồ sơ</th>
          <th>CCCD</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {found.data.map((p) => (
          <tr key={p.id}>
            <td>{nameOf(p)}</td>
            <td>{formatDate(p.birthDate)}</td>
            <td>{residenceOf(p).village ?? '—'}</td>
            <td>{stationNumberOf(p) ?? '—'}</td>
            <td>{cccdOf(p) ?? '—'}</td>
            <td>
              <button type="button" onClick={() => choose(p)}>
                Chọn
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
