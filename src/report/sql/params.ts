/** Bound parameters of one statement: `add(value)` returns the `$n` to write in its place. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
