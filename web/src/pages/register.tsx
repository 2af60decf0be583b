import type { Bundle, Group, Patient } from '@medplum/fhirtypes';
import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import { CS, VN_CORE } from '../../../src/station/canonical';
import { fhir, idFrom } from '../api/fhir';
import { ApiError, NetworkError } from '../api/http';
import { DateField, RadioField, SelectField, TextField } from '../components/fields';
import { ageText, formatDate, parseDate } from '../format';
import { useAsync, useDebounced } from '../hooks';
import { communeFromVillages, loadStation } from '../resident/commune';
import { findHouseholds, freeHouseholdCode, householdCode, withCccd, withNameAndBirthDate } from '../resident/duplicates';
import { nameOf, residenceOf } from '../resident/read';
import { checkForm, EMPTY_FORM, registrationEntries, type ResidentForm } from '../resident/register';
import { loadVillages } from '../resident/villages';
import { concepts } from '../terminology';

const SEX = [
  { code: 'male', display: 'Nam' },
  { code: 'female', display: 'Nữ' },
];

/** Registers a newcomer (and their household) with inline checks and a warning about possible duplicates. */
export function RegisterPage() {
  const [form, setForm] = useState<ResidentForm>(EMPTY_FORM);
  const [submitted, setSubmitted] = useState(false);
  const [notDuplicate, setNotDuplicate] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string>();
  const [, navigate] = useLocation();
  const villages = useAsync(() => loadVillages(), []);
  const errors = checkForm(form, submitted);
  const duplicates = useDuplicates(form);
  const set = <K extends keyof ResidentForm>(key: K) => (value: ResidentForm[K]) => setForm((f) => ({ ...f, [key]: value }));

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setSubmitted(true);
    const problems = checkForm(form, true);
    if (Object.keys(problems).length || duplicates.sameCccd.length || (duplicates.sameName.length && !notDuplicate)) return;
    setSaving(true);
    setSaveError(undefined);
    try {
      const entries = registrationEntries(form, communeFromVillages(villages.data ?? []), await loadStation());
      const answer: Bundle = await fhir.transaction(entries);
      const id = idFrom(answer.entry?.[0]?.response?.location?.replace(/\/_history\/.*$/, ''), 'Patient');
      navigate(`/nguoi-dan/${id}?moi=1`);
    } catch (err) {
      setSaveError(err instanceof ApiError ? err.message : err instanceof NetworkError ? 'Chưa lưu được vì mất kết nối. Thông tin vẫn còn trên trang: hãy bấm "Lưu" lại khi có mạng.' : String(err));
      setSaving(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate>
      <h1>Đăng ký người dân</h1>
      <DuplicateWarning duplicates={duplicates} notDuplicate={notDuplicate} setNotDuplicate={setNotDuplicate} />
      <div className="card grid">
        <TextField className="wide" label="Họ và tên" required value={form.name} onChange={set('name')} error={errors.name} autoFocus />
        <RadioField label="Giới tính *" name="sex" value={form.sex} onChange={(v) => set('sex')(v as ResidentForm['sex'])} options={SEX} error={errors.sex} />
        <DateField label="Ngày sinh" required value={form.birthDate} onChange={set('birthDate')} error={errors.birthDate} hint={parseDate(form.birthDate) ? ageText(parseDate(form.birthDate)) : undefined} />
        <TextField label="Số CCCD / định danh cá nhân" value={form.cccd} onChange={set('cccd')} error={errors.cccd} inputMode="numeric" maxLength={12} hint="12 chữ số; trẻ em có thể chưa có" />
        <SelectField label="Dân tộc" required value={form.ethnicCode} onChange={set('ethnicCode')} options={concepts(VN_CORE.race)} showCode />
        <SelectField label="Nghề nghiệp" value={form.occupationCode} onChange={set('occupationCode')} options={concepts(VN_CORE.occupation)} empty="(chưa rõ)" />
        <TextField label="Số điện thoại" value={form.phone} onChange={set('phone')} error={errors.phone} inputMode="tel" maxLength={12} />
      </div>
      <h2>Nơi cư trú</h2>
      <div className="card grid">
        <SelectField label="Thôn" required value={form.village} onChange={set('village')} options={(villages.data ?? []).map((v) => ({ code: v.code, display: v.name }))} empty="— chọn thôn —" error={errors.village} />
        <RadioField label="Loại cư trú" name="residence" value={form.residenceType} onChange={(v) => set('residenceType')(v as ResidentForm['residenceType'])} options={concepts(CS.residenceType)} />
        <DateField label="Cư trú từ ngày" value={form.residenceStart} onChange={set('residenceStart')} error={errors.residenceStart} />
      </div>
      <h2>Thẻ bảo hiểm y tế</h2>
      <div className="card grid">
        <TextField label="Mã thẻ BHYT" value={form.bhytCode} onChange={(v) => set('bhytCode')(v.toUpperCase())} error={errors.bhytCode} maxLength={15} hint="15 ký tự, ví dụ TE1382020893987" />
        <DateField label="Hạn từ ngày" value={form.bhytFrom} onChange={set('bhytFrom')} error={errors.bhytFrom} />
        <DateField label="Hạn đến ngày" value={form.bhytTo} onChange={set('bhytTo')} error={errors.bhytTo} />
      </div>
      <h2>Hộ gia đình</h2>
      <HouseholdSection form={form} setForm={setForm} error={errors.household ?? errors.householdCode} />
      {saveError && (
        <p className="banner error" role="alert">
          {saveError}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Đang lưu…' : 'Lưu người dân'}
        </button>
        <Link href="/nguoi-dan">Hủy</Link>
      </div>
    </form>
  );
}

interface Duplicates {
  sameCccd: Patient[];
  sameName: Patient[];
}

/**
 * Looks for the same CCCD, or the same name and birth date, once the typing has settled. A CCCD is
 * looked up as soon as it has 12 digits, even when it disagrees with the birth date typed: the
 * person it belongs to may be the one being registered again with a mistyped date.
 */
function useDuplicates(form: ResidentForm): Duplicates {
  const cccd = useDebounced(/^\d{12}$/.test(form.cccd) ? form.cccd : '', 300);
  const birth = parseDate(form.birthDate);
  const name = useDebounced(form.name.trim().split(/\s+/).length >= 2 && birth ? `${form.name.trim()}|${birth}` : '', 300);
  const sameCccd = useAsync(async (signal) => (cccd ? withCccd(cccd, signal) : []), [cccd]);
  const sameName = useAsync(async (signal) => {
    if (!name) return [];
    const [n, b] = name.split('|');
    return withNameAndBirthDate(n, b, signal);
  }, [name]);
  return { sameCccd: sameCccd.data ?? [], sameName: (sameName.data ?? []).filter((p) => !(sameCccd.data ?? []).some((q) => q.id === p.id)) };
}

function DuplicateWarning({ duplicates, notDuplicate, setNotDuplicate }: { duplicates: Duplicates; notDuplicate: boolean; setNotDuplicate(v: boolean): void }) {
  const { sameCccd, sameName } = duplicates;
  if (!sameCccd.length && !sameName.length) return null;
  return (
    <div className="banner warn" role="alert">
      <strong>Có thể trùng:</strong> {sameCccd.length ? 'số CCCD này đã được đăng ký cho' : 'đã có người cùng họ tên và ngày sinh'}
      <ul>
        {[...sameCccd, ...sameName].map((p) => (
          <li key={p.id}>
            <Link href={`/nguoi-dan/${p.id}`}>{nameOf(p)}</Link>, sinh {formatDate(p.birthDate)}
            {residenceOf(p).village ? `, thôn ${residenceOf(p).village}` : ''}
          </li>
        ))}
      </ul>
      {sameCccd.length > 0 ? (
        <div>Không thể đăng ký hai người cùng một số CCCD: hãy mở hồ sơ đã có.</div>
      ) : (
        <label className="inline">
          <input type="checkbox" checked={notDuplicate} onChange={(e) => setNotDuplicate(e.target.checked)} /> Tôi đã kiểm tra: đây là người khác, vẫn đăng ký
        </label>
      )}
    </div>
  );
}

function HouseholdSection({ form, setForm, error }: { form: ResidentForm; setForm(f: (f: ResidentForm) => ResidentForm): void; error?: string }) {
  const household = form.household;
  const setHousehold = (change: Partial<ResidentForm['household']>): void => setForm((f) => ({ ...f, household: { ...f.household, ...change } }));
  const [lookup, setLookup] = useState('');
  const settled = useDebounced(lookup, 300);
  const found = useAsync(async (signal) => (household.mode === 'join' ? findHouseholds(settled, signal) : []), [settled, household.mode]);
  const chooseNew = async (): Promise<void> => {
    setHousehold({ mode: 'new', role: 'chu-ho' });
    if (form.village && !household.code) setHousehold({ mode: 'new', role: 'chu-ho', code: await freeHouseholdCode(form.village) });
  };
  const modes = [
    { code: 'none', display: 'Chưa gắn với hộ' },
    { code: 'new', display: 'Lập hộ mới' },
    { code: 'join', display: 'Vào hộ đã có' },
  ];
  return (
    <div className="card grid">
      <RadioField label="Hộ" name="household" value={household.mode} onChange={(v) => (v === 'new' ? void chooseNew() : setHousehold({ mode: v as ResidentForm['household']['mode'], role: v === 'join' ? 'con' : 'chu-ho' }))} options={modes} />
      {household.mode === 'new' && <TextField label="Mã hộ" value={household.code} onChange={(code) => setHousehold({ code })} error={error} hint="Mã thôn và số thứ tự, ví dụ 15313-01-0042" />}
      {household.mode === 'join' && (
        <div className="wide">
          <TextField label="Tìm hộ theo mã hộ hoặc tên chủ hộ" value={lookup} onChange={setLookup} error={error} />
          <HouseholdChoices groups={found.data ?? []} chosen={household.group} choose={(group: Group) => setHousehold({ group })} />
        </div>
      )}
      {household.mode !== 'none' && <SelectField label="Quan hệ với chủ hộ" value={household.role} onChange={(role) => setHousehold({ role })} options={concepts(CS.householdRole)} />}
    </div>
  );
}

function HouseholdChoices({ groups, chosen, choose }: { groups: Group[]; chosen?: Group; choose(g: Group): void }) {
  if (!groups.length) return null;
  return (
    <ul className="choices">
      {groups.map((g) => (
        <li key={g.id}>
          <label className="inline">
            <input type="radio" name="household-choice" checked={chosen?.id === g.id} onChange={() => choose(g)} /> {g.name} — mã {householdCode(g)}, {g.quantity ?? g.member?.length ?? 0} người
          </label>
        </li>
      ))}
    </ul>
  );
}
