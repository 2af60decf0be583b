import type { VillageInfo } from '../resident/villages';

/** The commune's villages as a picker; `all` names the empty choice (whole commune) when there is one. */
export function VillageSelect(props: { villages: VillageInfo[] | undefined; value: string; onChange: (code: string) => void; all?: string }) {
  return (
    <select value={props.value} onChange={(e) => props.onChange(e.target.value)}>
      {props.all !== undefined && <option value="">{props.all}</option>}
      {(props.villages ?? []).map((v) => (
        <option key={v.code} value={v.code}>
          {v.name}
        </option>
      ))}
    </select>
  );
}
