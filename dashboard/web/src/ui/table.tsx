import type { ComponentChild } from 'preact';

export interface Column<R> {
  head: ComponentChild;
  cell: (row: R) => ComponentChild;
  class?: string;
}

/** A data table from a column list: the pages say what each column shows, the table how rows look. */
export function Table<R>(p: {
  rows: readonly R[]; columns: Column<R>[]; rowKey: (row: R) => string | number; rowTestid?: (row: R) => string; testid?: string;
  /** data-* attributes of a row, for tests and styles that select rows by what they hold. */
  rowData?: (row: R) => Record<`data-${string}`, string>;
}) {
  return (
    <table data-testid={p.testid}>
      <thead><tr>{p.columns.map((c, i) => <th key={i} class={c.class}>{c.head}</th>)}</tr></thead>
      <tbody>
        {p.rows.map((r) => (
          <tr key={p.rowKey(r)} data-testid={p.rowTestid?.(r)} {...p.rowData?.(r)}>
            {p.columns.map((c, i) => <td key={i} class={c.class}>{c.cell(r)}</td>)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
