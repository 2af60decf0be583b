import { EMPTY_PRESCRIPTION, type Prescription } from './form';

const UNITS = ['viên', 'gói', 'ống', 'ml', 'giọt', 'lần xịt', 'miếng'];

/** The prescription as rows: drug, dose and unit, times a day, days. */
export function PrescriptionFields({ value, onChange, error }: { value: Prescription[]; onChange(p: Prescription[]): void; error?: string }) {
  const set = (i: number, change: Partial<Prescription>): void => onChange(value.map((p, j) => (j === i ? { ...p, ...change } : p)));
  return (
    <div>
      {value.length > 0 && (
        <table className="rx" aria-label="Đơn thuốc">
          <thead>
            <tr>
              <th>Tên thuốc, hàm lượng</th>
              <th>Liều mỗi lần</th>
              <th>Lần/ngày</th>
              <th>Số ngày</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {value.map((p, i) => (
              <tr key={i}>
                <td>
                  <input aria-label={`Thuốc ${i + 1}`} value={p.drug} onChange={(e) => set(i, { drug: e.target.value })} placeholder="ví dụ Paracetamol 500 mg" />
                </td>
                <td className="dose">
                  <input aria-label={`Liều thuốc ${i + 1}`} inputMode="decimal" value={p.dose} onChange={(e) => set(i, { dose: e.target.value })} />
                  <select aria-label={`Đơn vị thuốc ${i + 1}`} value={p.unit} onChange={(e) => set(i, { unit: e.target.value })}>
                    {UNITS.map((u) => (
                      <option key={u}>{u}</option>
                    ))}
                  </select>
                </td>
                <td>
                  <input aria-label={`Số lần mỗi ngày thuốc ${i + 1}`} inputMode="numeric" value={p.perDay} onChange={(e) => set(i, { perDay: e.target.value })} />
                </td>
                <td>
                  <input aria-label={`Số ngày thuốc ${i + 1}`} inputMode="numeric" value={p.days} onChange={(e) => set(i, { days: e.target.value })} />
                </td>
                <td>
                  <button type="button" className="link" onClick={() => onChange(value.filter((_, j) => j !== i))}>
                    bỏ
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error && <div className="field-error">{error}</div>}
      <button type="button" onClick={() => onChange([...value, { ...EMPTY_PRESCRIPTION }])}>
        + Thêm thuốc
      </button>
    </div>
  );
}
