import { BHYT_LABEL, type BhytStatus, type Enrolment } from '../resident/read';
import { formatDate } from '../format';

export function BhytBadge({ status }: { status: BhytStatus }) {
  const label = BHYT_LABEL[status.state];
  const title = status.end ? `${status.card ?? ''} hạn đến ${formatDate(status.end)}` : undefined;
  return (
    <span className={`badge ${label.tone}`} title={title}>
      {label.text}
      {status.end && status.state !== 'valid' ? ` (${formatDate(status.end)})` : ''}
    </span>
  );
}

/** Short names for the apps in tight places (the full name is the title). */
const SHORT: Record<string, string> = {
  'vneid-health-book': 'Sổ SKĐT VNeID',
  'provincial-hssk': 'HSSK tỉnh',
  vtelehealth: 'Khám từ xa',
  'other-telemedicine': 'Khám từ xa',
  'station-app': 'App trạm',
};

export function AppBadges({ apps }: { apps: Enrolment[] }) {
  if (!apps.length) return <span className="muted">Chưa đăng ký</span>;
  return (
    <>
      {apps.map((a) => (
        <span key={a.resource.id} className="badge info" title={a.appName}>
          {SHORT[a.app] ?? a.appName}
        </span>
      ))}
    </>
  );
}
