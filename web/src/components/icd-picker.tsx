import { useId, useState, type KeyboardEvent } from 'react';
import { restrictedTo } from '../../../src/station/rules/sex-specific';
import { findIcd10, ICD10 } from '../terminology';

const ICD_CODE = /^[A-Z]\d\d(\.\d{1,2})?$/;

interface IcdPickerProps {
  /** Chosen codes, the first being the main diagnosis. */
  value: string[];
  onChange(codes: string[]): void;
  error?: string;
  /** The resident's sex (Patient.gender): codes only the other sex can have are not offered (the server refuses them). */
  sex?: string;
}

/** Whether `code` may be a diagnosis of someone of this sex (other and unknown: any code). */
const fitsSex = (code: string, sex: string | undefined): boolean => {
  const only = restrictedTo(code);
  return !only || (sex !== 'female' && sex !== 'male') || only === sex;
};

export const icdDisplay = (code: string): string => ICD10.find((c) => c.code === code)?.display ?? '(ngoài danh mục của trạm)';

/**
 * ICD-10 diagnoses picked by typing Vietnamese (with or without marks) or the code; arrow keys and
 * Enter choose. The first chosen is the main diagnosis; others are secondary.
 */
export function IcdPicker({ value, onChange, error, sex }: IcdPickerProps) {
  const id = useId();
  const [typed, setTyped] = useState('');
  const [active, setActive] = useState(0);
  const suggestions = findIcd10(typed).filter((c) => !value.includes(c.code) && fitsSex(c.code, sex));
  const code = typed.trim().toUpperCase();
  const freeCode = ICD_CODE.test(code) && !ICD10.some((c) => c.code === code) && !value.includes(code) && fitsSex(code, sex) ? code : undefined;
  const options = [...suggestions.map((c) => ({ code: c.code, text: `${c.code} – ${c.display}` })), ...(freeCode ? [{ code: freeCode, text: `Dùng mã ${freeCode} (ngoài danh mục của trạm)` }] : [])];

  const choose = (chosen: string): void => {
    onChange([...value, chosen]);
    setTyped('');
    setActive(0);
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>): void => {
    if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, options.length - 1));
    else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0));
    else if (e.key === 'Enter' && options[active]) choose(options[active].code);
    else return;
    e.preventDefault();
  };

  return (
    <div className="icd">
      <label htmlFor={id}>Chẩn đoán (ICD-10) *</label>
      {value.length > 0 && (
        <ol className="chosen" aria-label="Chẩn đoán đã chọn">
          {value.map((c, i) => (
            <li key={c}>
              <span className={i === 0 ? 'badge ok' : 'badge'}>{i === 0 ? 'Chính' : 'Kèm theo'}</span> {c} – {icdDisplay(c)}{' '}
              {i > 0 && (
                <button type="button" className="link" onClick={() => onChange([c, ...value.filter((x) => x !== c)])}>
                  đặt làm chính
                </button>
              )}{' '}
              <button type="button" className="link" aria-label={`Bỏ ${c}`} onClick={() => onChange(value.filter((x) => x !== c))}>
                bỏ
              </button>
            </li>
          ))}
        </ol>
      )}
      <input
        id={id}
        role="combobox"
        aria-expanded={options.length > 0}
        aria-controls={`${id}-list`}
        aria-activedescendant={options.length ? `${id}-${active}` : undefined}
        aria-invalid={error ? true : undefined}
        value={typed}
        onChange={(e) => {
          setTyped(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKey}
        placeholder={value.length ? 'Thêm chẩn đoán kèm theo…' : 'Gõ tên bệnh (ví dụ "viem hong") hoặc mã (J02)'}
        autoComplete="off"
      />
      {options.length > 0 && (
        <ul id={`${id}-list`} role="listbox" className="suggestions">
          {options.map((o, i) => (
            <li key={o.code} id={`${id}-${i}`} role="option" aria-selected={i === active} onMouseDown={(e) => e.preventDefault()} onClick={() => choose(o.code)}>
              {o.text}
            </li>
          ))}
        </ul>
      )}
      {error && <div className="field-error">{error}</div>}
    </div>
  );
}
