import { useEffect, useMemo, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { ApiError } from '../api/http';
import { AppBadges, BhytBadge } from '../components/badges';
import { ageText } from '../format';
import { useAsync, useDebounced } from '../hooks';
import { cccdOf, mergedInto, nameOf, sexText } from '../resident/read';
import { AGE_BANDS, findResidents, moreResidents, readQuery, searchParams, villageOf, type AgeBand, type Filters, type ResidentRow } from '../resident/search';
import { loadVillages } from '../resident/villages';
import { VillageSelect } from '../components/village-select';

const DEBOUNCE_MS = 200;

/** One search box for name, CCCD, BHYT card, phone or station number, with village, sex and age filters; results as you type. */
export function SearchPage() {
  const initial = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const [text, setText] = useState(initial.get('q') ?? '');
  const [filters, setFilters] = useState<Filters>({
    village: initial.get('thon') ?? '',
    gender: (initial.get('gioi') as Filters['gender']) ?? '',
    ageBand: (initial.get('tuoi') as AgeBand) ?? '',
  });
  const settled = useDebounced(text, DEBOUNCE_MS);
  const query = readQuery(settled);
  const params = useMemo(() => searchParams(query, filters), [settled, filters]); // eslint-disable-line react-hooks/exhaustive-deps
  const villages = useAsync(() => loadVillages(), []);
  const [extra, setExtra] = useState<{ rows: ResidentRow[]; next?: string }>({ rows: [] });

  // The search lives in the address, so "back" from a resident returns to the same list.
  useEffect(() => {
    const q = new URLSearchParams();
    if (settled) q.set('q', settled);
    if (filters.village) q.set('thon', filters.village);
    if (filters.gender) q.set('gioi', filters.gender);
    if (filters.ageBand) q.set('tuoi', filters.ageBand);
    const search = q.toString();
    navigate(`/nguoi-dan${search ? `?${search}` : ''}`, { replace: true });
  }, [settled, filters, navigate]);

  const result = useAsync(async (signal) => {
    setExtra({ rows: [] });
    return params ? findResidents(params, signal) : undefined;
  }, [params]);
  const rows = [...(result.data?.rows ?? []), ...extra.rows];
  const next = extra.next ?? result.data?.next;

  const more = async (): Promise<void> => {
    if (!next) return;
    const page = await moreResidents(next);
    setExtra((e) => ({ rows: [...e.rows, ...page.rows], next: page.next }));
  };

  const setFilter = <K extends keyof Filters>(key: K, value: Filters[K]): void => setFilters((f) => ({ ...f, [key]: value }));

  return (
    <section>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h1>Tìm người dân</h1>
        <Link href="/nguoi-dan/moi">+ Đăng ký người mới</Link>
      </div>
      <div className="card">
        <label>
          Tên, số CCCD, mã thẻ BHYT, số điện thoại hoặc số hồ sơ
          <input type="search" autoFocus value={text} onChange={(e) => setText(e.target.value)} placeholder="ví dụ: nguyen thi thu, 038185012345, 0912345678" autoComplete="off" spellCheck={false} />
        </label>
        <div className="row" style={{ marginTop: '0.75rem' }}>
          <label>
            Thôn
            <VillageSelect villages={villages.data} value={filters.village} onChange={(code) => setFilter('village', code)} all="Tất cả các thôn" />
          </label>
          <label>
            Giới tính
            <select value={filters.gender} onChange={(e) => setFilter('gender', e.target.value as Filters['gender'])}>
              <option value="">Nam và nữ</option>
              <option value="male">Nam</option>
              <option value="female">Nữ</option>
            </select>
          </label>
          <label>
            Độ tuổi
            <select value={filters.ageBand} onChange={(e) => setFilter('ageBand', e.target.value as AgeBand)}>
              {AGE_BANDS.map((b) => (
                <option key={b.value} value={b.value}>
                  {b.label}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      <Status query={query} loading={result.loading && !!params} error={result.error} count={rows.length} hasMore={!!next} searched={!!params} />
      {rows.length > 0 && <Results rows={rows} />}
      {next && (
        <div className="actions">
          <button type="button" onClick={() => void more()}>
            Xem thêm
          </button>
        </div>
      )}
    </section>
  );
}

function Status({ query, loading, error, count, hasMore, searched }: { query: ReturnType<typeof readQuery>; loading: boolean; error?: Error; count: number; hasMore: boolean; searched: boolean }) {
  if (error) return <p className="banner error" role="alert">{error instanceof ApiError ? error.message : 'Không tìm được: mất kết nối với máy chủ'}</p>;
  if (query.kind === 'incomplete') return <p className="muted">{query.hint}</p>;
  if (!searched) return <p className="muted">Gõ tên không cần dấu (ví dụ "nguyen thi thu"), số CCCD, mã thẻ BHYT, số điện thoại hoặc số hồ sơ của trạm (ví dụ 38999-000123); hoặc chọn thôn.</p>;
  if (loading) return <p className="muted" aria-live="polite">Đang tìm…</p>;
  if (!count) return <p aria-live="polite">Không có ai phù hợp. <Link href="/nguoi-dan/moi">Đăng ký người mới</Link></p>;
  return <p className="muted" aria-live="polite">{hasMore ? `${count} người đầu tiên` : `${count} người`}</p>;
}

function Results({ rows }: { rows: ResidentRow[] }) {
  const [, navigate] = useLocation();
  return (
    <table aria-label="Kết quả tìm kiếm">
      <thead>
        <tr>
          <th>Họ và tên</th>
          <th>Tuổi</th>
          <th>Giới</th>
          <th>Thôn</th>
          <th>Thẻ BHYT</th>
          <th>Ứng dụng</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ patient, bhyt, apps }) => (
          <tr key={patient.id} className="clickable" onClick={() => navigate(`/nguoi-dan/${patient.id}`)}>
            <td>
              <Link href={`/nguoi-dan/${patient.id}`} onClick={(e) => e.stopPropagation()}>
                {nameOf(patient)}
              </Link>
              {cccdOf(patient) && <div className="hint">CCCD {cccdOf(patient)}</div>}
              {mergedInto(patient) && <div className="hint">Đã gộp vào hồ sơ khác</div>}
            </td>
            <td>{ageText(patient.birthDate)}</td>
            <td>{sexText(patient.gender)}</td>
            <td>{villageOf(patient)}</td>
            <td>
              <BhytBadge status={bhyt} />
            </td>
            <td>
              <AppBadges apps={apps} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
