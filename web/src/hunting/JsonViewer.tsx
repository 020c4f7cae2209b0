// The selected row as a JSON tree: objects and arrays (dynamic values)
// fold open and shut, leaves are shown as JSON (strings quoted), so a
// value's type reads at a glance; the whole row can be copied as JSON.

import { memo } from "react";
import { CopyButton } from "../events/EventDrawer";

function isContainer(v: unknown): v is unknown[] | Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

function leafClass(v: unknown): string {
  if (v === null || v === undefined) return "json-null";
  if (typeof v === "string") return "json-string";
  if (typeof v === "number") return "json-number";
  if (typeof v === "boolean") return "json-bool";
  return "";
}

/** `value` as one line of JSON (undefined, which JSON cannot say, as null). */
function leafText(v: unknown): string {
  return v === undefined ? "null" : JSON.stringify(v);
}

interface Props {
  value: Record<string, unknown>;
  title: string;
  /** Levels open at first; deeper objects start folded. */
  openDepth?: number;
  onClose?: () => void;
}

export function JsonViewer({ value, title, openDepth = 2, onClose }: Props) {
  return (
    <section className="json-viewer" aria-label={title}>
      <div className="json-viewer-head">
        <h3>{title}</h3>
        <span className="json-viewer-actions">
          <CopyButton label="Copy JSON" text={() => JSON.stringify(value, null, 2)} />
          {onClose ? (
            <button type="button" className="btn btn-small btn-ghost" onClick={onClose}>
              Close
            </button>
          ) : null}
        </span>
      </div>
      <JsonEntries entries={Object.entries(value)} depth={0} openDepth={openDepth} path="" />
    </section>
  );
}

const JsonEntries = memo(function JsonEntries({ entries, depth, openDepth, path }: { entries: Array<[string, unknown]>; depth: number; openDepth: number; path: string }) {
  if (entries.length === 0) return null;
  return (
    <ul className={depth === 0 ? "json-tree" : "json-tree json-tree-nested"}>
      {entries.map(([key, v]) => {
        const here = path ? `${path}.${key}` : key;
        return (
          <li key={key}>
            {isContainer(v) ? (
              <details open={depth < openDepth}>
                <summary>
                  <span className="json-key">{key}</span>
                  <span className="json-brace muted">{Array.isArray(v) ? `[${v.length}]` : `{${Object.keys(v).length}}`}</span>
                </summary>
                {Array.isArray(v) && v.length === 0 ? null : (
                  <JsonEntries entries={Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v)} depth={depth + 1} openDepth={openDepth} path={here} />
                )}
              </details>
            ) : (
              <div className="json-leaf">
                <span className="json-key" title={here}>
                  {key}
                </span>
                <span className={`json-value ${leafClass(v)}`}>{leafText(v)}</span>
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
});
