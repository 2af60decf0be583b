import { useEffect, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { ageText } from '../format';
import { useAsync } from '../hooks';
import { DueDoses } from '../immunisation/due-doses';
import { childrenDue, EPI_AGE_YEARS } from '../immunisation/children';
import { nameOf, residenceOf, sexText } from '../resident/read';
import { loadVillages } from '../resident/villages';
import { VillageSelect } from '../components/village-select';

/** Children due or overdue for EPI doses, village by village; a dose is recorded in two clicks. */
export function ImmunisationPage() {
  const [, navigate] = useLocation();
  const villages = useAsync(() => loadVillages(), []);
  const [village, setVillage] = useState(new URLSearchParams(useSearch()).get('thon') ?? '');
  const chosen = village || villages.data?.[0]?.code || '';
  useEffect(() => {
    if (chosen) navigate(`/tiem-chung?thon=${chosen}`, { replace: true });
  }, [chosen, navigate]);
  const children = useAsync(async (signal) => (chosen ? childrenDue(chosen, signal) : undefined), [chosen]);
  const list = children.data ?? [];
  const overdue = list.filter((c) => c.due.some((d) => d.status === 'overdue')).length;

  return (
    <section>
      <h1>Tiêm chủng mở rộng</h1>
      <div className="card row">
        <label>
          Thôn
          <VillageSelect villages={villages.data} value={chosen} onChange={setVillage} />
        </label>
        <p className="muted">Trẻ dưới {EPI_AGE_YEARS} tuổi có mũi đến hạn (từ 14 ngày trước hạn) hoặc quá hạn (trễ hơn 28 ngày) theo lịch TCMR.</p>
        <p className="muted">
          Sổ tiêm chủng trẻ em A2.1 và báo cáo tiêm chủng tháng: <Link href="/bao-cao">trang Báo cáo</Link>.
        </p>
      </div>
      {children.error && (
        <p className="banner error" role="alert">
          {children.error.message}
        </p>
      )}
      {children.loading && !children.data && <p className="muted">Đang tải…</p>}
      {children.data && (
        <p aria-live="polite">
          {list.length ? `${list.length} trẻ cần tiêm, trong đó ${overdue} trẻ có mũi quá hạn` : 'Không có trẻ nào đến hạn tiêm trong thôn này.'}
        </p>
      )}
      {list.length > 0 && (
        <table aria-label="Trẻ đến hạn tiêm">
          <thead>
            <tr>
              <th>Trẻ</th>
              <th>Tuổi</th>
              <th>Mũi cần tiêm</th>
            </tr>
          </thead>
          <tbody>
            {list.map(({ patient, due }) => (
              <tr key={patient.id}>
                <td>
                  <Link href={`/nguoi-dan/${patient.id}`}>{nameOf(patient)}</Link>
                  <div className="hint">
                    {sexText(patient.gender)} · thôn {residenceOf(patient).village}
                  </div>
                </td>
                <td>{ageText(patient.birthDate)}</td>
                <td>
                  <DueDoses patient={patient} due={due} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
