// The full event: its normalized ECS document as a collapsible key/value
// tree, with "filter for" and "filter out" on every value, and the original
// as it was received.

import { memo, useState } from "react";
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
          <CopyButton label="Copy raw" text={() => event.raw} />
        </div>
        {event.raw ? (
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
