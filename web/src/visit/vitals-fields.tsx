import { formatNumber } from '../format';
import { VITAL_FIELDS, type VitalNotes, type Vitals } from './vitals';

/** The vital-sign inputs, each with its unit and, under it, an error (red) or a warning (amber). */
export function VitalsFields({ vitals, notes, onChange }: { vitals: Vitals; notes: VitalNotes; onChange(v: Vitals): void }) {
  return (
    <div className="grid vitals">
      {VITAL_FIELDS.map((f) => {
        const error = notes.errors[f.key];
        const warning = notes.warnings[f.key];
        const noteId = `vital-${f.key}-note`;
        return (
          <div key={f.key}>
            <label htmlFor={`vital-${f.key}`}>
              {f.label} <span className="hint">({f.unit})</span>
            </label>
            <input
              id={`vital-${f.key}`}
              inputMode="decimal"
              value={vitals[f.key]}
              onChange={(e) => onChange({ ...vitals, [f.key]: e.target.value })}
              aria-invalid={error ? true : undefined}
              aria-describedby={error || warning ? noteId : undefined}
              className={warning ? 'warned' : undefined}
              autoComplete="off"
            />
            {(error || warning) && (
              <div id={noteId} className={error ? 'field-error' : 'field-warn'} role={error ? 'alert' : 'status'}>
                {error ?? `⚠ ${warning}`}
              </div>
            )}
          </div>
        );
      })}
      {notes.bmi && (
        <div>
          <span className="label">BMI</span>
          <output aria-label="BMI">
            {formatNumber(notes.bmi.value)} kg/m²{notes.bmi.note ? ` – ${notes.bmi.note}` : ''}
          </output>
        </div>
      )}
    </div>
  );
}
