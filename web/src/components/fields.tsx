import { useId, type ReactNode } from 'react';
import type { Concept } from '../terminology';

interface FieldProps {
  label: string;
  error?: string;
  warning?: string;
  hint?: string;
  required?: boolean;
  className?: string;
  children: (props: { id: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string; required?: boolean }) => ReactNode;
}

/** A labelled input with its error, warning or hint underneath, announced to screen readers. */
export function Field({ label, error, warning, hint, required, className, children }: FieldProps) {
  const id = useId();
  const noteId = `${id}-note`;
  const note = error ?? warning ?? hint;
  return (
    <div className={className}>
      <label htmlFor={id} className="field-label">
        {label}
        {required && <span aria-hidden="true"> *</span>}
      </label>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': note ? noteId : undefined, required })}
      {note && (
        <div id={noteId} className={error ? 'field-error' : warning ? 'field-warn' : 'hint'} role={error ? 'alert' : undefined}>
          {note}
        </div>
      )}
    </div>
  );
}

interface TextFieldProps {
  label: string;
  value: string;
  onChange(value: string): void;
  error?: string;
  warning?: string;
  hint?: string;
  required?: boolean;
  className?: string;
  inputMode?: 'text' | 'numeric' | 'tel' | 'decimal';
  placeholder?: string;
  autoFocus?: boolean;
  maxLength?: number;
}

export function TextField({ value, onChange, inputMode, placeholder, autoFocus, maxLength, ...field }: TextFieldProps) {
  return (
    <Field {...field}>
      {(props) => <input {...props} value={value} onChange={(e) => onChange(e.target.value)} inputMode={inputMode} placeholder={placeholder} autoFocus={autoFocus} maxLength={maxLength} autoComplete="off" />}
    </Field>
  );
}

/** A date typed as dd/mm/yyyy (what people write), kept as typed until it is a real date. */
export function DateField(props: Omit<TextFieldProps, 'inputMode' | 'placeholder'>) {
  return <TextField {...props} inputMode="numeric" placeholder="dd/mm/yyyy" maxLength={10} />;
}

interface SelectFieldProps {
  label: string;
  value: string;
  onChange(value: string): void;
  options: Concept[];
  /** Text of the empty first option; none when a choice is always made. */
  empty?: string;
  error?: string;
  hint?: string;
  required?: boolean;
  className?: string;
  showCode?: boolean;
}

export function SelectField({ value, onChange, options, empty, showCode, ...field }: SelectFieldProps) {
  return (
    <Field {...field}>
      {(props) => (
        <select {...props} value={value} onChange={(e) => onChange(e.target.value)}>
          {empty !== undefined && <option value="">{empty}</option>}
          {options.map((o) => (
            <option key={o.code} value={o.code}>
              {showCode ? `${o.code} – ${o.display}` : o.display}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

interface RadioFieldProps {
  label: string;
  name: string;
  value: string;
  onChange(value: string): void;
  options: Concept[];
  error?: string;
}

export function RadioField({ label, name, value, onChange, options, error }: RadioFieldProps) {
  return (
    <fieldset className="radios" aria-invalid={error ? true : undefined}>
      <legend>{label}</legend>
      {options.map((o) => (
        <label key={o.code} className="inline">
          <input type="radio" name={name} value={o.code} checked={value === o.code} onChange={() => onChange(o.code)} /> {o.display}
        </label>
      ))}
      {error && <div className="field-error">{error}</div>}
    </fieldset>
  );
}
