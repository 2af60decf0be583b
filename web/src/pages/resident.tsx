import { lazy, Suspense, useEffect } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { VN_CORE } from '../../../src/station/canonical';
import { ApiError } from '../api/http';
import { hasRole, useSession } from '../api/session';
import { BhytBadge } from '../components/badges';
import { SectionView } from '../components/section';
import { ageText, formatDate } from '../format';
import { useAsync, useOnline } from '../hooks';
import { PAGE_ROLES } from '../menu';
import { PersonalHealthRecord } from '../resident/phr';
import { bhytStatus, cccdOf, identifierOf, mergedInto, nameOf, phoneOf, residenceOf, sexText, stationNumberOf } from '../resident/read';
import { loadMeasurements, loadSummary, loadVisits, type ResidentSummary } from '../resident/record';
import { SummaryView } from '../resident/summary-view';
import { Timeline, WaitingVisits } from '../resident/timeline';
import type { VisitPreview } from '../visit/form';
import { outbox, type PendingSave } from '../visit/outbox';
import { useOutbox } from '../visit/outbox-status';

// The charts library is loaded only when the charts tab is opened: the first page stays light.
const Charts = lazy(() => import('../resident/charts').then((m) => ({ default: m.Charts })));

const TABS = [
  { key: 'tom-tat', label: 'Tóm tắt' },
  { key: 'kham', label: 'Các lần khám' },
  { key: 'bieu-do', label: 'Biểu đồ' },
  { key: 'ho-so', label: 'Hồ sơ QĐ 831' },
] as const;
type Tab = (typeof TABS)[number]['key'];

/** The resident's record: who they are, then a summary, the visit timeline, charts and the Decision 831 record. */
export function ResidentPage({ id }: { id: string }) {
  const query = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const tab: Tab = TABS.find((t) => t.key === query.get('muc'))?.key ?? 'tom-tat';
  const setTab = (key: Tab): void => navigate(`/nguoi-dan/${id}?muc=${key}`, { replace: true });
  // Saves of this resident still in the outbox; when one is stored the record is read again.
  const saves = useOutbox().filter((s) => s.patient === `Patient/${id}`);
  const stored = saves.filter((s) => s.state === 'saved').length;
  const pending = saves.filter((s) => s.state !== 'saved' && s.kind === 'visit') as PendingSave<VisitPreview>[];
  // Read again when the connection comes back (the record may have failed to load without it).
  const online = useOnline();
  const summary = useAsync((signal) => loadSummary(id, signal), [id, stored, online]);
  const visits = useAsync((signal) => loadVisits(id, signal), [id, stored, online]);
  const measurements = useAsync((signal) => loadMeasurements(id, signal), [id, stored, online]);

  // A waiting save whose Encounter the server already has (only its answer was lost) is not
  // shown twice: it is sent again at once, and the server answers with what it stored.
  const storedKeys = new Set(visits.data?.state === 'ok' ? visits.data.data.flatMap((v) => v.encounter.identifier?.map((i) => i.value ?? '') ?? []) : []);
  const waiting = pending.filter((s) => !storedKeys.has(s.key));
  useEffect(() => {
    for (const s of pending) if (storedKeys.has(s.key) && s.state === 'waiting') outbox.retry(s.key);
  });

  const banners = (
    <>
      {query.has('moi') && <p className="banner ok">Đã đăng ký người dân mới.</p>}
      {query.has('gop') && <p className="banner ok">Đã gộp hồ sơ trùng vào hồ sơ này.</p>}
      {query.has('da-luu') && !waiting.length && <p className="banner ok">Đã lưu lần khám.</p>}
      {waiting.length > 0 && (
        <p className="banner warn" role="status">
          Chưa lưu được {waiting.length} lần khám vì mất kết nối. Trang sẽ tự lưu khi có mạng — không cần nhập lại. Đừng đóng trang này.
        </p>
      )}
    </>
  );
  if (summary.error) {
    const status = summary.error instanceof ApiError ? summary.error.status : 0;
    const message = status === 404 || status === 410 ? 'Không tìm thấy người dân này.' : status ? summary.error.message : 'Mất kết nối: chưa tải được hồ sơ. Trang sẽ tải lại khi có mạng.';
    return (
      <section>
        {banners}
        <p className="banner error" role="alert">
          {message}
        </p>
        <WaitingVisits saves={waiting} />
      </section>
    );
  }
  if (!summary.data) return <p className="muted">Đang tải hồ sơ…</p>;
  return (
    <section>
      {banners}
      <PersonHeader summary={summary.data} />
      <div className="tabs" role="tablist" aria-label="Hồ sơ">
        {TABS.map((t) => (
          <button key={t.key} type="button" role="tab" aria-selected={tab === t.key} onClick={() => setTab(t.key)}>
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={TABS.find((t) => t.key === tab)!.label}>
        {tab === 'tom-tat' && <SummaryView summary={summary.data} />}
        {tab === 'kham' && (
          <>
            <WaitingVisits saves={waiting} />
            <SectionView section={visits.data}>{(list) => <Timeline visits={list} />}</SectionView>
          </>
        )}
        {tab === 'bieu-do' && <SectionView section={measurements.data}>{(obs) => (
              <Suspense fallback={<p className="muted">Đang tải biểu đồ…</p>}>
                <Charts observations={obs} birthDate={summary.data!.patient.birthDate} />
              </Suspense>
            )}</SectionView>}
        {tab === 'ho-so' && <PersonalHealthRecord summary={summary.data} visits={visits.data} />}
      </div>
    </section>
  );
}

function PersonHeader({ summary }: { summary: ResidentSummary }) {
  const session = useSession();
  const p = summary.patient;
  const coverages = summary.coverages.state === 'ok' ? summary.coverages.data : undefined;
  const clinical = hasRole(session, PAGE_ROLES.clinical);
  const replacedBy = mergedInto(p);
  return (
    <div className="card person">
      <div>
        {replacedBy && (
          <p className="banner" role="status">
            Hồ sơ này đã được gộp vào <Link href={`/nguoi-dan/${replacedBy}`}>hồ sơ đang dùng</Link>; các lần khám và chỉ số nằm ở đó.
          </p>
        )}
        <h1>{nameOf(p)}</h1>
        <p>
          {sexText(p.gender)}, {ageText(p.birthDate)} (sinh {formatDate(p.birthDate)}) · thôn {residenceOf(p).village ?? '—'} {coverages && <BhytBadge status={bhytStatus(coverages)} />}
        </p>
        <dl>
          <dt>Số hồ sơ</dt>
          <dd>{stationNumberOf(p) ?? '—'}</dd>
          <dt>CCCD</dt>
          <dd>{cccdOf(p) ?? '—'}</dd>
          <dt>Thẻ BHYT</dt>
          <dd>{identifierOf(p, VN_CORE.insuranceNumber) ?? '—'}</dd>
          <dt>Điện thoại</dt>
          <dd>{phoneOf(p) ?? '—'}</dd>
        </dl>
      </div>
      <div className="actions">
        {clinical && (
          <Link className="button primary" href={`/nguoi-dan/${p.id}/kham`}>
            Khám bệnh
          </Link>
        )}
        <Link className="button" href={`/nguoi-dan/${p.id}/ung-dung`}>
          Ứng dụng sức khỏe
        </Link>
        {clinical && p.active !== false && (
          <Link className="button" href={`/nguoi-dan/${p.id}/gop`}>
            Gộp hồ sơ trùng
          </Link>
        )}
      </div>
    </div>
  );
}
