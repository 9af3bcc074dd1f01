/** Rows of any shape (SQL results, endpoint results) as a table: one column per key seen. */
import type { Row } from '../api-types.ts';
import { cellText } from '../format.ts';

export function DataTable({ rows, caption }: { rows: Row[]; caption: string }) {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  if (rows.length === 0) return <p class="muted">{caption}: no rows.</p>;
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label={caption}>
      <table>
        <caption>
          {caption}: {rows.length} {rows.length === 1 ? 'row' : 'rows'}
        </caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th scope="col" key={column}>
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={index}>
              {columns.map((column) => (
                <td key={column}>{cellText(row[column])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
