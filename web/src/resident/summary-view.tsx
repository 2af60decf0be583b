import type { Consent, Group, Immunization, RelatedPerson } from '@medplum/fhirtypes';
import { carerRole } from '../../../src/station/model/carers';
import { CS, VN_CORE } from '../../../src/station/canonical';
import { SectionView } from '../components/section';
import { roleWord } from '../enrolment/carers';
import { ageYears, formatDate, today } from '../format';
import { EPI_AGE_YEARS } from '../immunisation/children';
import { dueDoses } from '../immunisation/due';
import { DueDoses } from '../immunisation/due-doses';
import { display } from '../terminology';
import { chronicConditions, icdOf } from './clinical';
import { householdCode } from './duplicates';
import { enrolmentsOf } from './read';
import type { ResidentSummary } from './record';

/** The summary tab: allergies, chronic conditions, card, apps, consent, household, immunisations. */
export function SummaryView({ summary }: { summary: ResidentSummary }) {
  return (
    <div className="columns">
      <div className="card">
        <h3>Dị ứng</h3>
        <SectionView section={summary.allergies}>
          {(allergies) =>
            allergies.length ? (
              <ul>
                {allergies.map((a) => (
                  <li key={a.id}>{a.code?.text ?? a.code?.coding?.[0]?.display}</li>
                ))}
              </ul>
            ) : (
              <p className="muted">Chưa ghi nhận dị ứng</p>
            )
          }
        </SectionView>
        <h3>Bệnh mạn tính</h3>
        <SectionView section={summary.conditions}>
          {(conditions) => {
            const chronic = chronicConditions(conditions);
            return chronic.length ? (
              <ul>
                {chronic.map((c) => (
                  <li key={c.id}>
                    {icdOf(c).code} – {icdOf(c).display} <span className="hint">(từ {formatDate(c.recordedDate ?? c.onsetDateTime)})</span>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">Chưa ghi nhận bệnh mạn tính</p>
            );
          }}
        </SectionView>
      </div>
      <div className="card">
        <h3>Thẻ BHYT</h3>
        <SectionView section={summary.coverages}>
          {(coverages) =>
            coverages.length ? (
              <ul>
                {coverages.map((c) => (
                  <li key={c.id}>
                    {c.identifier?.find((i) => i.system === VN_CORE.insuranceNumber)?.value}: {formatDate(c.period?.start)} – {formatDate(c.period?.end)}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">Không có thẻ</p>
            )
          }
        </SectionView>
        <h3>Ứng dụng sức khỏe</h3>
        <SectionView section={summary.enrolments}>
          {(records) => {
            const enrolments = enrolmentsOf(records);
            return enrolments.length ? (
              <ul>
                {enrolments.map((e) => (
                  <li key={e.resource.id}>
                    {e.appName}: {e.active ? `từ ${formatDate(e.start)}` : `đã rút ${formatDate(e.end)}`} <span className="hint">({e.verification})</span>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">Chưa đăng ký ứng dụng nào</p>
            );
          }}
        </SectionView>
        <h3>Đồng ý chia sẻ dữ liệu</h3>
        <SectionView section={summary.consents}>{(consents) => <ConsentList consents={consents} />}</SectionView>
      </div>
      <div className="card">
        <h3>Hộ gia đình</h3>
        <SectionView section={summary.households}>{(groups) => <Households groups={groups} />}</SectionView>
        <h3>Người chăm sóc / liên hệ</h3>
        <SectionView section={summary.carers}>{(carers) => <Carers carers={carers} />}</SectionView>
        <SectionView section={summary.immunizations}>
          {(doses) => (
            <>
              {summary.patient.birthDate && (ageYears(summary.patient.birthDate) ?? 99) < EPI_AGE_YEARS && (
                <>
                  <h3>Mũi cần tiêm (TCMR)</h3>
                  <DueDoses patient={summary.patient} due={dueDoses(summary.patient.birthDate, doses, today())} />
                </>
              )}
              <h3>Mũi tiêm đã ghi</h3>
              <Doses doses={doses} />
            </>
          )}
        </SectionView>
      </div>
    </div>
  );
}

function ConsentList({ consents }: { consents: Consent[] }) {
  if (!consents.length) return <p className="muted">Chưa có</p>;
  return (
    <ul>
      {consents.map((c) => (
        <li key={c.id}>
          {c.status === 'active' ? 'Đang hiệu lực' : c.status === 'inactive' ? 'Đã rút' : c.status} – {formatDate(c.dateTime)}
        </li>
      ))}
    </ul>
  );
}

function Households({ groups }: { groups: Group[] }) {
  if (!groups.length) return <p className="muted">Chưa gắn với hộ nào</p>;
  return (
    <ul>
      {groups.map((g) => (
        <li key={g.id}>
          {g.name} (mã {householdCode(g)}, {g.quantity ?? g.member?.length} người)
        </li>
      ))}
    </ul>
  );
}

/** The people caring for the resident now (a link staff ended leaves its RelatedPerson inactive), with how they are related. */
function Carers({ carers }: { carers: RelatedPerson[] }) {
  const current = carers.filter((r) => r.active !== false);
  if (!current.length) return <p className="muted">Chưa có</p>;
  return (
    <ul>
      {current.map((r) => {
        const relationship = roleWord(carerRole(r));
        return (
          <li key={r.id}>
            {r.name?.[0]?.text}
            {relationship ? ` (${relationship})` : ''} {r.telecom?.[0]?.value ? `– ${r.telecom[0].value}` : ''}
          </li>
        );
      })}
    </ul>
  );
}

function Doses({ doses }: { doses: Immunization[] }) {
  if (!doses.length) return <p className="muted">Chưa có mũi tiêm nào</p>;
  const sorted = doses.slice().sort((a, b) => (a.occurrenceDateTime ?? '').localeCompare(b.occurrenceDateTime ?? ''));
  return (
    <ul>
      {sorted.map((d) => {
        const code = d.vaccineCode?.coding?.find((c) => c.system === CS.epiVaccine)?.code;
        return (
          <li key={d.id}>
            {formatDate(d.occurrenceDateTime)}: {display(CS.epiVaccine, code) ?? d.vaccineCode?.text ?? code} – mũi {d.protocolApplied?.[0]?.doseNumberPositiveInt}
          </li>
        );
      })}
    </ul>
  );
}
