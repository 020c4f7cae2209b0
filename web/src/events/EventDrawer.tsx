// The full event: its normalized ECS document as a collapsible key/value
// tree, with "filter for" and "filter out" on every value, and the original
// as it was received.

import { memo, useMemo, useState } from "react";
import type { SecurityEvent } from "../api/types";
import { Time } from "../ui/time";
import { Drawer } from "./Drawer";
import { eventValue, fieldTree, type TreeNode } from "./fields";
import { SeverityBadge } from "./SeverityBadge";

export type FilterAction = (field: string, value: string | number | boolean, exclude: boolean) => void;

interface EventDrawerProps {
  event: SecurityEvent;
  onClose: () => void;
  /** Adds `field:"value"` (or `NOT field:"value"`) to the search; no filter buttons without it. */
  onFilter?: FilterAction | undefined;
}

export function EventDrawer({ event, onClose, onFilter }: EventDrawerProps) {
  const dataset = eventValue(event, "event.dataset");
  // A JSON original (Winlogbeat, an .evtx record, an API client's object)
  // arrives on one line; it can be read indented, and copied as received.
  const indented = useMemo(() => indentJSON(event.raw), [event.raw]);
  const [indent, setIndent] = useState(false);
  return (
    <Drawer title="Event details" onClose={onClose}>
      <div className="event-summary">
        <div className="event-summary-line">
          <SeverityBadge label={event.severity_label} score={event.severity} />
          <Time value={event["@timestamp"]} />
        </div>
        {event.message ? <p className="event-message">{event.message}</p> : null}
        <dl className="event-meta">
          <div>
            <dt>Event ID</dt>
            <dd>
              <code>{event.id}</code>
            </dd>
          </div>
          <div>
            <dt>Ingested</dt>
            <dd>
              <Time value={event.ingested} />
            </dd>
          </div>
          <div>
            <dt>Input</dt>
            <dd>{event.input || <span className="muted">—</span>}</dd>
          </div>
          <div>
            <dt>Dataset</dt>
            <dd>{dataset || <span className="muted">—</span>}</dd>
          </div>
          <div>
            <dt>Severity</dt>
            <dd>{event.severity} / 100</dd>
          </div>
        </dl>
      </div>

      <section className="drawer-section" aria-labelledby="event-raw-title">
        <div className="drawer-section-head">
          <h3 id="event-raw-title">Raw original</h3>
          <span className="drawer-section-tools">
            {indented !== null ? (
              <button type="button" className="btn btn-small" aria-pressed={indent} onClick={() => setIndent((v) => !v)}>
                Indent JSON
              </button>
            ) : null}
            <CopyButton label="Copy raw" text={() => event.raw} />
          </span>
        </div>
        {event.raw && indent && indented !== null ? (
          <pre className="raw-block" aria-label="Raw original, indented">
            {indented}
          </pre>
        ) : event.raw ? (
          <pre className="raw-block" aria-label="Raw original as received">
            {event.raw}
          </pre>
        ) : (
          <p className="muted">The original was not kept for this event.</p>
        )}
      </section>
      <section className="drawer-section" aria-labelledby="event-fields-title">
        <div className="drawer-section-head">
          <h3 id="event-fields-title">Normalized fields (ECS)</h3>
          <CopyButton label="Copy JSON" text={() => JSON.stringify(event.fields, null, 2)} />
        </div>
        <FieldTree nodes={fieldTree(event.fields ?? {})} onFilter={onFilter} depth={0} />
      </section>

    </Drawer>
  );
}

const FieldTree = memo(function FieldTree({ nodes, onFilter, depth }: { nodes: TreeNode[]; onFilter?: FilterAction | undefined; depth: number }) {
  return (
    <ul className={depth === 0 ? "field-tree" : "field-tree field-tree-nested"}>
      {nodes.map((n) => (
        <li key={n.key}>
          {n.children ? (
            <details open={depth < 3}>
              <summary>
                <span className="tree-key">{n.key}</span>
                <span className="tree-count muted">{n.children.length}</span>
              </summary>
              <FieldTree nodes={n.children} onFilter={onFilter} depth={depth + 1} />
            </details>
          ) : (
            <LeafRow node={n} onFilter={onFilter} />
          )}
        </li>
      ))}
    </ul>
  );
});

function LeafRow({ node, onFilter }: { node: TreeNode; onFilter?: FilterAction | undefined }) {
  const value = node.value ?? null;
  const shown = value === null ? "null" : String(value);
  return (
    <div className="tree-leaf">
      <span className="tree-key" title={node.path}>
        {node.key}
      </span>
      <span className={value === null ? "tree-value muted" : `tree-value tree-${typeof value}`}>{shown}</span>
      {onFilter && value !== null ? (
        <span className="tree-actions">
          <button
            type="button"
            className="btn-mini"
            aria-label={`Filter for ${node.path}: ${shown}`}
            title="Filter for this value"
            onClick={() => onFilter(node.path, value, false)}
          >
            <span aria-hidden="true">+</span>
          </button>
          <button
            type="button"
            className="btn-mini"
            aria-label={`Filter out ${node.path}: ${shown}`}
            title="Filter out this value"
            onClick={() => onFilter(node.path, value, true)}
          >
            <span aria-hidden="true">−</span>
          </button>
        </span>
      ) : null}
    </div>
  );
}

export function CopyButton({ label, text }: { label: string; text: () => string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  async function copy() {
    try {
      await navigator.clipboard.writeText(text());
      setState("copied");
    } catch {
      setState("failed");
    }
  }
  return (
    <span className="copy">
      <span role="status" className="copy-status muted">
        {state === "copied" ? "Copied." : state === "failed" ? "Copying failed: select the text and copy it by hand." : ""}
      </span>
      <button type="button" className="btn btn-small" onClick={copy}>
        {label}
      </button>
    </span>
  );
}

/**
 * raw indented, when it is a JSON object or array; null otherwise. The
 * text is re-spaced token by token, never parsed into numbers: a 64-bit
 * value (an .evtx record's Keywords, say) keeps every digit.
 */
export function indentJSON(raw: string | undefined): string | null {
  const t = raw?.trim() ?? "";
  if (!(t.startsWith("{") || t.startsWith("["))) return null;
  try {
    JSON.parse(t);
  } catch {
    return null;
  }
  let out = "";
  let depth = 0;
  const newline = () => "\n" + "  ".repeat(depth);
  for (let i = 0; i < t.length; i++) {
    const c = t[i] as string;
    if (c === '"') {
      let j = i + 1;
      while (j < t.length && t[j] !== '"') j += t[j] === "\\" ? 2 : 1;
      out += t.slice(i, j + 1);
      i = j;
    } else if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      let j = i + 1;
      while (j < t.length && /\s/.test(t[j] as string)) j++;
      if (t[j] === close) {
        out += c + close;
        i = j;
      } else {
        depth++;
        out += c + newline();
      }
    } else if (c === "}" || c === "]") {
      depth--;
      out += newline() + c;
    } else if (c === ",") {
      out += "," + newline();
    } else if (c === ":") {
      out += ": ";
    } else if (!/\s/.test(c)) {
      out += c;
    }
  }
  return out;
}
