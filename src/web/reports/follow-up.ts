import type { List, MeasureReport, Patient } from '@medplum/fhirtypes';
import { villageName } from '../../report/labels';
import type { StationConfig } from '../../station/config';
import { EXT } from '../../station/canonical';
import { SEX_LABEL } from '../../report/labels';
import { esc, formatDate, formatInt } from './format';

/**
 * The follow-up list of one indicator (staff only): who is not yet in the numerator — who still
 * needs a BHYT card, an e-health book… — or, for stunting, the stunted children; from the
 * subject-list MeasureReport, with the residents' names and contacts.
 */
export function followUpIds(report: MeasureReport): string[] {
  const ref = report.group?.[0]?.population?.find((p) => p.code?.coding?.[0]?.code === 'follow-up')?.subjectResults?.reference;
  const list = report.contained?.find((c) => `#${c.id}` === ref) as List | undefined;
  return (list?.entry ?? []).map((e) => e.item.reference!.replace(/^Patient\//, ''));
}

export function renderFollowUp(title: string, code: string, period: { start: string; end: string }, ids: string[], patients: Map<string, Patient>, station: StationConfig, back: string): string {
  const rows = ids.map((id, n) => {
    const p = patients.get(id);
    const village = p?.address?.flatMap((a) => a.extension ?? []).find((e) => e.url === EXT.village)?.valueCoding?.code;
    return `<tr><td class="num">${n + 1}</td><td>${esc(p?.name?.[0]?.text ?? id)}</td><td>${p?.birthDate ? formatDate(p.birthDate) : ''}</td><td>${esc(SEX_LABEL[p?.gender ?? 'unknown'] ?? '')}</td>
      <td>${esc(village ? villageName(station, village) : 'Không rõ thôn')}</td><td>${esc(p?.telecom?.find((t) => t.system === 'phone')?.value ?? '')}</td></tr>`;
  });
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Danh sách cần theo dõi — ${esc(code)}</title>
<link rel="stylesheet" href="/reports/assets/fonts/400.css"><link rel="stylesheet" href="/reports/assets/fonts/700.css"><link rel="stylesheet" href="/reports/assets/report.css"></head>
<body><h1>Danh sách cần theo dõi</h1><p class="subtitle">${esc(code)} — ${esc(title)}; tính đến ngày ${formatDate(period.end)} (kỳ ${formatDate(period.start)} – ${formatDate(period.end)}): ${formatInt(ids.length)} người.
Thông tin cá nhân: chỉ dùng cho công việc của trạm; mỗi lần xem được ghi vào nhật ký truy cập.</p>
<p class="no-print"><a href="${esc(back)}">← Về báo cáo</a></p>
<table><thead><tr><th>STT</th><th>Họ và tên</th><th>Ngày sinh</th><th>Giới tính</th><th>Thôn</th><th>Điện thoại</th></tr></thead><tbody>${rows.join('')}</tbody></table></body></html>`;
}
