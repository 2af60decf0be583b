import type { Patient } from '@medplum/fhirtypes';
import { EXT, VN_CORE } from '../../../src/station/canonical';
import { SectionView } from '../components/section';
import { formatDate, formatDateTime } from '../format';
import { display } from '../terminology';
import { chronicConditions, icdOf, visitKind } from './clinical';
import { cccdOf, identifierOf, nameOf, phoneOf, residenceOf, sexText, stationNumberOf } from './read';
import type { ResidentSummary, Section, Visit } from './record';
import { vitalsText } from './timeline';

/**
 * The resident's personal health record in the four parts of Decision 831/QĐ-BYT (2017):
 * A administrative, B history, C immunisation, D examinations. Printable.
 */
export function PersonalHealthRecord({ summary, visits }: { summary: ResidentSummary; visits: Section<Visit[]> | undefined }) {
  const p = summary.patient;
  return (
    <article className="card phr">
      <h2>Hồ sơ sức khỏe cá nhân (mẫu Quyết định 831/QĐ-BYT)</h2>
      <h3>A. Thông tin hành chính</h3>
      <Administrative patient={p} />
      <h3>B. Tiền sử</h3>
      <SectionView section={summary.allergies}>{(a) => <p>Dị ứng: {a.length ? a.map((x) => x.code?.text ?? x.code?.coding?.[0]?.display).join('; ') : 'chưa ghi nhận'}</p>}</SectionView>
      <SectionView section={summary.conditions}>
        {(c) => <p>Bệnh mạn tính: {chronicConditions(c).map((x) => `${icdOf(x).code} ${icdOf(x).display}`).join('; ') || 'chưa ghi nhận'}</p>}
      </SectionView>
      <h3>C. Tiêm chủng</h3>
      <SectionView section={summary.immunizations}>
        {(doses) => (
          <p>
            {doses.length
              ? doses
                  .slice()
                  .sort((a, b) => (a.occurrenceDateTime ?? '').localeCompare(b.occurrenceDateTime ?? ''))
                  .map((d) => `${d.vaccineCode?.coding?.[0]?.display ?? d.vaccineCode?.coding?.[0]?.code} mũi ${d.protocolApplied?.[0]?.doseNumberPositiveInt ?? '?'} (${formatDate(d.occurrenceDateTime)})`)
                  .join('; ')
              : 'Chưa có mũi tiêm nào được ghi'}
          </p>
        )}
      </SectionView>
      <h3>D. Khám bệnh</h3>
      <SectionView section={visits}>
        {(list) =>
          list.length ? (
            <table>
              <thead>
                <tr>
                  <th>Ngày</th>
                  <th>Hình thức</th>
                  <th>Sinh hiệu</th>
                  <th>Chẩn đoán</th>
                </tr>
              </thead>
              <tbody>
                {list.map((v) => (
                  <tr key={v.encounter.id}>
                    <td>{formatDateTime(v.encounter.period?.start)}</td>
                    <td>{visitKind(v.encounter)}</td>
                    <td>{vitalsText(v.vitals)}</td>
                    <td>{v.diagnoses.map((d) => `${icdOf(d).code} ${icdOf(d).display ?? ''}`).join('; ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">Chưa có lần khám nào</p>
          )
        }
      </SectionView>
      <div className="actions no-print">
        <button type="button" onClick={() => window.print()}>
          In hồ sơ
        </button>
      </div>
    </article>
  );
}

function Administrative({ patient: p }: { patient: Patient }) {
  const ethnic = p.extension?.find((e) => e.url === EXT.ethnicGroup)?.valueCoding?.code;
  const occupation = p.extension?.find((e) => e.url === EXT.occupation)?.valueCodeableConcept;
  const rows: [string, string | undefined][] = [
    ['Số hồ sơ', stationNumberOf(p)],
    ['Họ và tên', nameOf(p)],
    ['Giới tính', sexText(p.gender)],
    ['Ngày sinh', formatDate(p.birthDate)],
    ['Dân tộc', display(VN_CORE.race, ethnic) ?? ethnic],
    ['Số CCCD', cccdOf(p)],
    ['Mã thẻ BHYT', identifierOf(p, VN_CORE.insuranceNumber)],
    ['Nghề nghiệp', occupation?.text ?? display(VN_CORE.occupation, occupation?.coding?.[0]?.code)],
    ['Địa chỉ', residenceOf(p).text],
    ['Điện thoại', phoneOf(p)],
  ];
  return (
    <dl className="pairs">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v || '—'}</dd>
        </div>
      ))}
    </dl>
  );
}
