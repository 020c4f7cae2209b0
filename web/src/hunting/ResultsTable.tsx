// The result as a table: a sticky header naming each column and its KQL
// type, one line per row with long values cut short (the whole value on
// hover). A row clicked opens below it, Sentinel style, as a JSON tree of
// all its values. Rows are memoized: opening one re-renders two rows, not
// five hundred.

import { Fragment, memo } from "react";
import type { KqlColumn, KqlValue } from "../api/hunting";
import { formatTime } from "../ui/time";
import { JsonViewer } from "./JsonViewer";
import { rowObject, valueText } from "./results";

// The cell shows at most a line's worth (cut further by CSS); the hover text
// up to TITLE_MAX; the JSON viewer the rest.
const CELL_MAX = 400;
const TITLE_MAX = 4000;

function cellText(value: KqlValue, type: string): string {
  if (type === "datetime" && typeof value === "string") return formatTime(value);
  return valueText(value);
}

interface Props {
  columns: readonly KqlColumn[];
  rows: readonly KqlValue[][];
  /** The open row, shown as JSON below it. */
  selected: number | null;
  /** Opens a row, or closes it (null). */
  onSelect: (index: number | null) => void;
  caption: string;
}

export function ResultsTable({ columns, rows, selected, onSelect, caption }: Props) {
  return (
    <div className="table-wrap hunt-table-wrap">
      <table className="table table-dense hunt-table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="hunt-rownum">
              <span className="sr-only">Row</span>
            </th>
            {columns.map((c, i) => (
              <th key={`${i}:${c.name}`} scope="col" title={`${c.name} (${c.type})`}>
                <span className="hunt-col-name">{c.name}</span> <span className="hunt-col-type">{c.type}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <Fragment key={i}>
              <ResultRow index={i} row={row} columns={columns} selected={selected === i} onSelect={onSelect} />
              {selected === i ? (
                <tr className="hunt-detail-row">
                  <td colSpan={columns.length + 1}>
                    <div className="hunt-detail">
                      <JsonViewer value={rowObject(columns, row)} title={`Row ${i + 1}`} onClose={() => onSelect(null)} />
                    </div>
                  </td>
                </tr>
              ) : null}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface RowProps {
  index: number;
  row: readonly KqlValue[];
  columns: readonly KqlColumn[];
  selected: boolean;
  onSelect: (index: number | null) => void;
}

const ResultRow = memo(function ResultRow({ index, row, columns, selected, onSelect }: RowProps) {
  const toggle = () => onSelect(selected ? null : index);
  return (
    <tr className={selected ? "row-open" : undefined} onClick={toggle}>
      <td className="hunt-rownum">
        <button
          type="button"
          className="row-link hunt-expand"
          aria-label={`Row ${index + 1} as JSON`}
          aria-expanded={selected}
          onClick={(e) => {
            e.stopPropagation();
            toggle();
          }}
        >
          <span aria-hidden="true">{selected ? "▾" : "▸"}</span> {index + 1}
        </button>
      </td>
      {columns.map((c, i) => {
        const v = row[i] ?? null;
        if (v === null) return <td key={i} className="hunt-cell hunt-null" />;
        const full = valueText(v);
        const text = cellText(v, c.type);
        const shown = text.length > CELL_MAX ? `${text.slice(0, CELL_MAX)}…` : text;
        const cls = c.type === "dynamic" ? "hunt-cell mono" : typeof v === "number" ? "hunt-cell num" : "hunt-cell";
        return (
          <td key={i} className={cls} title={full.length > TITLE_MAX ? `${full.slice(0, TITLE_MAX)}…` : full}>
            {shown}
          </td>
        );
      })}
    </tr>
  );
});
