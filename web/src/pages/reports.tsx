import { useState } from 'react';
import { hasRole, useSession } from '../api/session';
import { DateField } from '../components/fields';
import { formatDate, parseDate, today } from '../format';
import { useAsync } from '../hooks';
import { PAGE_ROLES } from '../menu';
import { loadVillages } from '../resident/villages';
import { VillageSelect } from '../components/village-select';

/** Where the server's printable reports live; the page builds their addresses from the choices made here. */
function reportUrl(path: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => !!e[1]));
  return `${path}?${query}`;
}

/** What a printed register is called, says of itself, where it is, and from when its period starts by default. */
interface RegisterLink {
  title: string;
  about: string;
  path: string;
  /** The period's first day when the page opens: the month's (`month`) or the year's (`year`). */
  since: 'month' | 'year';
  /** The link's words. */
  open: string;
  /** What the period is of, when not of the record's own dates ("Trẻ sinh": the children born in it). */
  periodLabel?: string;
}

/** The station staff's registers (they name residents: never an officer's). */
const STAFF_REGISTERS: readonly RegisterLink[] = [
  { title: 'Sổ khám bệnh A1/YTCS', about: 'Mỗi lượt khám một dòng, 13 cột theo Thông tư 27/2014/TT-BYT; in được hoặc tải CSV.', path: '/station/registers/a1', since: 'month', open: 'Xem sổ A1' },
  {
    title: 'Sổ tiêm chủng trẻ em A2.1/YTCS',
    about: 'Mỗi trẻ sinh trong kỳ một dòng: ngày tiêm từng mũi (lao, viêm gan B sơ sinh, DPT-VGB-Hib, bại liệt, sởi, DPT4, sởi mũi 2), ngày tiêm chủng đầy đủ và số mũi uốn ván của mẹ.',
    path: '/station/registers/a2',
    since: 'year',
    open: 'Xem sổ A2.1',
    periodLabel: 'Trẻ sinh',
  },
  { title: 'Báo cáo tiêm chủng trẻ em', about: 'Số trẻ được tiêm từng mũi của sổ A2.1 trong kỳ (báo cáo tháng), theo thôn nơi trẻ sống.', path: '/station/registers/a2/doses', since: 'month', open: 'Xem báo cáo tiêm chủng' },
];

/** The officers' health-criterion report, and for the station's staff the registers A1 and A2.1 and the monthly immunisation count, with their period. */
export function ReportsPage() {
  const session = useSession();
  return (
    <section className="stack">
      <h1>Báo cáo</h1>
      <HealthCriterion />
      {hasRole(session, PAGE_ROLES.clinical) && STAFF_REGISTERS.map((register) => <PrintedRegister key={register.path} {...register} />)}
    </section>
  );
}

function usePeriod(from: string) {
  const [start, setStart] = useState(formatDate(from));
  const [end, setEnd] = useState(formatDate(today()));
  const s = parseDate(start);
  const e = parseDate(end);
  const error = !s || !e ? 'Ngày dạng ngày/tháng/năm' : s > e ? 'Từ ngày phải trước đến ngày' : undefined;
  return { start, setStart, end, setEnd, from: s, to: e, error };
}

function HealthCriterion() {
  const period = usePeriod(`${today().slice(0, 4)}-01-01`);
  const villages = useAsync(() => loadVillages(), []);
  const [village, setVillage] = useState('');
  const url = (path: string): string => reportUrl(path, { from: period.from, to: period.to, village: village || undefined });
  return (
    <div className="card stack">
      <h2>Tiêu chí y tế – nông thôn mới</h2>
      <p className="muted">Tỷ lệ tham gia BHYT, dân số được quản lý sức khỏe, khám chữa bệnh từ xa, sổ sức khỏe điện tử, trẻ dưới 5 tuổi thấp còi: tử số, mẫu số, ngưỡng, đạt hay chưa, theo thôn và giới.</p>
      <div className="row">
        <DateField label="Từ ngày" value={period.start} onChange={period.setStart} error={period.error} />
        <DateField label="Đến ngày (ngày tham chiếu)" value={period.end} onChange={period.setEnd} />
        <label>
          Thôn
          <VillageSelect villages={villages.data} value={village} onChange={setVillage} all="Cả xã" />
        </label>
      </div>
      {!period.error && (
        <div className="actions">
          <a className="button primary" href={url('/reports/health-criterion')}>
            Xem báo cáo tiêu chí y tế
          </a>
          <a className="button" href={url('/reports/health-criterion.csv')}>
            Tải CSV
          </a>
          <a className="button" href={url('/reports/health-criterion.pdf')}>
            Tải PDF
          </a>
        </div>
      )}
    </div>
  );
}

/** A register the station prints (server-rendered HTML or CSV) for the period chosen. */
function PrintedRegister(props: RegisterLink) {
  const period = usePeriod(props.since === 'year' ? `${today().slice(0, 4)}-01-01` : `${today().slice(0, 7)}-01`);
  const url = (format?: string): string => reportUrl(props.path, { from: period.from, to: period.to, format });
  return (
    <div className="card stack">
      <h2>{props.title}</h2>
      <p className="muted">{props.about}</p>
      <div className="row">
        <DateField label={props.periodLabel ? `${props.periodLabel} từ ngày` : 'Từ ngày'} value={period.start} onChange={period.setStart} error={period.error} />
        <DateField label="Đến ngày" value={period.end} onChange={period.setEnd} />
      </div>
      {!period.error && (
        <div className="actions">
          <a className="button primary" href={url()}>
            {props.open}
          </a>
          <a className="button" href={url('csv')}>
            Tải CSV
          </a>
        </div>
      )}
    </div>
  );
}
