// Trying a rule before trusting it: a backtest over stored events in a time
// range, or a run over pasted sample events. Either way the server answers
// how many events it read, how many matched, how many alerts the rule would
// have raised, and the matching events themselves, with their host and
// user to judge them by.

import { useMutation } from "@tanstack/react-query";
import { useId, useRef, useState, type KeyboardEvent } from "react";
import { Link } from "react-router";
import { detectionApi, type RuleFormat, type RuleTestMatch, type RuleTestRequest, type RuleTestResult } from "../api/detection";
import { Drawer } from "../events/Drawer";
import { CopyButton } from "../events/EventDrawer";
import { eventsLink, presetLabel, weekUpTo, type TimeRange } from "../events/searchState";
import { TimeRangePicker, presetMs } from "../events/TimeRangePicker";
import { ErrorMessage } from "../ui/ErrorMessage";
import { CompactTime, Time, ZonedHeading, formatTimeRange, formatZonedTime } from "../ui/time";
import { userLabel } from "../alerts/entities";
import { parseSamples } from "./samples";

type Mode = "backtest" | "samples";

const TEST_PRESETS = ["1h", "24h", "7d", "30d"] as const;
const MATCH_LIMIT = 100;

interface Props {
  /** The saved rule, when there is one. */
  ruleId: string | undefined;
  format: RuleFormat;
  source: string;
  /** Whether the editor's text differs from the saved rule (then it is sent along). */
  dirty: boolean;
  /** Why the rule cannot run now (e.g. it does not validate); null when it can. */
  blocked: string | null;
}

/** from/to of a backtest; a preset ends now. */
export function backtestRange(range: TimeRange, now = Date.now()): { from: string; to: string } {
  if (range.kind === "absolute") return { from: range.from, to: range.to };
  return { from: new Date(now - presetMs(range.preset)).toISOString(), to: new Date(now).toISOString() };
}

export function TestPanel({ ruleId, format, source, dirty, blocked }: Props) {
  const id = useId();
  const [mode, setMode] = useState<Mode>("backtest");
  const [range, setRange] = useState<TimeRange>({ kind: "preset", preset: "24h" });
  const [samples, setSamples] = useState("");
  const [samplesError, setSamplesError] = useState<string | null>(null);
  const [ran, setRan] = useState<{ mode: Mode; label: string } | null>(null);
  const [open, setOpen] = useState<RuleTestMatch | null>(null);
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);

  const run = useMutation({
    mutationFn: (req: RuleTestRequest) => detectionApi.testRule(req, ruleId),
  });

  function start() {
    const req: RuleTestRequest = { limit: MATCH_LIMIT };
    // A saved rule runs as saved unless the editor holds changes; an unsaved one always sends its text.
    if (!ruleId || dirty) {
      req.format = format;
      req.source = source;
    }
    let label: string;
    if (mode === "samples") {
      const parsed = parseSamples(samples);
      if (!parsed.ok) {
        setSamplesError(parsed.error);
        return;
      }
      setSamplesError(null);
      req.events = parsed.events;
      label = `${parsed.events.length.toLocaleString()} sample event${parsed.events.length === 1 ? "" : "s"}`;
    } else {
      const r = backtestRange(range);
      req.from = r.from;
      req.to = r.to;
      label = range.kind === "preset" ? presetLabel(range.preset).toLowerCase() : formatTimeRange(r.from, r.to);
    }
    setRan({ mode, label });
    run.mutate(req);
  }

  function onTabKey(e: KeyboardEvent<HTMLButtonElement>) {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight" && e.key !== "Home" && e.key !== "End") return;
    e.preventDefault();
    const next: Mode = e.key === "Home" ? "backtest" : e.key === "End" ? "samples" : mode === "backtest" ? "samples" : "backtest";
    setMode(next);
    tabs.current[next === "backtest" ? 0 : 1]?.focus();
  }

  return (
    <section className="card editor-card" aria-labelledby={`${id}-title`}>
      <div className="card-head">
        <h2 id={`${id}-title`}>Test</h2>
        <span className="muted card-head-note">{dirty || !ruleId ? "Runs the rule as written in the editor, unsaved changes included." : "Runs the saved rule."}</span>
      </div>
      <div className="tabs test-tabs" role="tablist" aria-label="How to test">
        {(["backtest", "samples"] as const).map((m, i) => (
          <button
            key={m}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`${id}-tab-${m}`}
            aria-controls={`${id}-panel-${m}`}
            aria-selected={mode === m}
            tabIndex={mode === m ? 0 : -1}
            className={mode === m ? "tab active" : "tab"}
            onClick={() => setMode(m)}
            onKeyDown={onTabKey}
          >
            {m === "backtest" ? "Backtest" : "Sample events"}
          </button>
        ))}
      </div>
      {mode === "backtest" ? (
        <div role="tabpanel" id={`${id}-panel-backtest`} aria-labelledby={`${id}-tab-backtest`} className="test-panel">
          <p className="muted">Runs the rule over the events stored in a time range, as if they were arriving now. No alert is raised.</p>
          <TimeRangePicker range={range} onChange={setRange} presets={TEST_PRESETS} />
        </div>
      ) : (
        <div role="tabpanel" id={`${id}-panel-samples`} aria-labelledby={`${id}-tab-samples`} className="test-panel">
          <div className={samplesError ? "field field-invalid" : "field"}>
            <label htmlFor={`${id}-samples`}>Sample events</label>
            <textarea
              id={`${id}-samples`}
              className="mono samples-input"
              value={samples}
              onChange={(e) => setSamples(e.target.value)}
              rows={8}
              spellCheck={false}
              aria-invalid={samplesError ? true : undefined}
              aria-describedby={`${id}-samples-help`}
              placeholder={'{"event":{"action":"LOGIN_FAILURE"},"source":{"ip":"203.0.113.7"}}\n<38>Nov 23 10:00:00 web-1 sshd[811]: Failed password for root from 203.0.113.7 port 4242 ssh2'}
            />
            {samplesError ? (
              <div className="field-error" id={`${id}-samples-help`} role="alert">
                {samplesError}
              </div>
            ) : (
              <div className="field-hint" id={`${id}-samples-help`}>
                One event per line: a JSON object, or a raw log line (syslog, CEF, …) parsed as ingest parses it. Or one JSON array of events.
              </div>
            )}
          </div>
        </div>
      )}
      <div className="test-run">
        <button type="button" className="btn btn-primary" onClick={start} disabled={run.isPending || blocked !== null} title={blocked ?? undefined}>
          {run.isPending ? "Running…" : mode === "backtest" ? "Run backtest" : "Run on samples"}
        </button>
        {blocked ? <span className="muted">{blocked}</span> : null}
      </div>
      {run.isError ? <ErrorMessage error={run.error} /> : null}
      {run.isSuccess && ran ? <TestResultView result={run.data} ran={ran} onOpen={setOpen} /> : null}
      {open ? <MatchDrawer match={open} stored={ran?.mode === "backtest"} onClose={() => setOpen(null)} /> : null}
    </section>
  );
}

function TestResultView({ result, ran, onOpen }: { result: RuleTestResult; ran: { mode: Mode; label: string }; onOpen: (m: RuleTestMatch) => void }) {
  const figures: Array<[string, number]> = [
    ["Scanned", result.scanned],
    ["Matched", result.matched],
    ["Alerts", result.alerts],
  ];
  return (
    <div className="test-result" aria-label="Test result" role="region">
      <dl className="test-figures">
        {figures.map(([label, n]) => (
          <div key={label}>
            <dt>{label === "Alerts" ? "Alerts it would raise" : label === "Scanned" ? "Events scanned" : "Events matched"}</dt>
            <dd>{n.toLocaleString()}</dd>
          </div>
        ))}
        <div>
          <dt>Took</dt>
          <dd>{result.elapsed_ms < 1000 ? `${result.elapsed_ms.toLocaleString()} ms` : `${(result.elapsed_ms / 1000).toFixed(1)} s`}</dd>
        </div>
      </dl>
      <p className="muted" role="status">
        {ran.mode === "backtest" ? `Backtest over the ${ran.label}` : `Run over ${ran.label}`}:{" "}
        {result.matched === 0 ? "no event matched." : `${result.matched.toLocaleString()} matched${result.truncated ? `; the first ${result.matches.length.toLocaleString()} are listed` : ""}.`}
      </p>
      {(result.documents?.length ?? 0) > 1 ? (
        <ul className="field-hint" aria-label="Alerts by document">
          {result.documents?.map((d) => (
            <li key={d.document}>
              {d.title || d.document}: {d.alerts.toLocaleString()} alert{d.alerts === 1 ? "" : "s"}
              {d.folded > 0 ? `, ${d.folded.toLocaleString()} repeat${d.folded === 1 ? "" : "s"} folded` : ""}
            </li>
          ))}
        </ul>
      ) : null}
      {result.scan_limited ? (
        <p className="field-hint" role="note">
          The range holds more events than a backtest reads: it ran over the newest {result.scanned.toLocaleString()}
          {result.scanned_from ? `, from ${formatZonedTime(result.scanned_from)} on` : ""}. A retro-hunt (below, for a saved rule) reads all of them.
        </p>
      ) : null}
      {result.matches.length > 0 ? (
        <div className="table-wrap table-wrap-flat">
          <table className="table table-dense matches-table">
            <caption className="sr-only">Matching events</caption>
            <thead>
              <tr>
                <th scope="col" className="col-time">
                  <ZonedHeading label="Time" />
                </th>
                <th scope="col">Host</th>
                <th scope="col">User</th>
                <th scope="col">Event</th>
              </tr>
            </thead>
            <tbody>
              {result.matches.map((m, i) => (
                <tr key={`${m.event_id}-${i}`} onClick={() => onOpen(m)}>
                  <td className="cell-nowrap col-time">
                    <button
                      type="button"
                      className="row-link"
                      aria-label={`Open matching event ${m.timestamp ? formatZonedTime(m.timestamp) : i + 1}: ${m.summary.slice(0, 80)}`}
                      onClick={(e) => {
                        e.stopPropagation();
                        onOpen(m);
                      }}
                    >
                      {m.timestamp ? <CompactTime value={m.timestamp} /> : `#${i + 1}`}
                    </button>
                  </td>
                  <MatchEntity value={matchHost(m.fields)} />
                  <MatchEntity value={matchUser(m.fields)} />
                  <td className="cell-message" title={m.summary}>
                    {m.summary || <span className="muted">(no message)</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}

/** A field's text when it has one (a list reads its first value). */
function text(fields: Record<string, unknown> | undefined, key: string): string {
  const v = fields?.[key];
  if (Array.isArray(v)) return typeof v[0] === "string" ? v[0] : "";
  return typeof v === "string" && v !== "-" ? v : "";
}

/** The host a matching event is from, to judge the match by. */
export function matchHost(fields: Record<string, unknown> | undefined): string {
  return text(fields, "host.name") || text(fields, "host.hostname");
}

/** The user a matching event names, with the domain when it has one (CORP\alice). */
export function matchUser(fields: Record<string, unknown> | undefined): string {
  const name = text(fields, "user.name");
  return name ? userLabel(name, text(fields, "user.domain")) : text(fields, "user.id");
}

function MatchEntity({ value }: { value: string }) {
  return (
    <td className="mono-cell match-entity" title={value || undefined}>
      {value || <span className="muted">—</span>}
    </td>
  );
}

function show(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** A matching event's fields, as the rule saw them (flattened ECS). */
export function MatchDrawer({ match, stored, onClose }: { match: RuleTestMatch; stored: boolean; onClose: () => void }) {
  const keys = Object.keys(match.fields ?? {}).sort();
  return (
    <Drawer title="Matching event" onClose={onClose}>
      <div className="event-summary">
        <div className="event-summary-line">
          <Time value={match.timestamp} zone />
        </div>
        {match.summary ? <p className="event-message">{match.summary}</p> : null}
        {stored && match.event_id ? (
          <p>
            <Link to={eventInEvents(match)}>Open this event in Events</Link>
          </p>
        ) : null}
      </div>
      <section className="drawer-section" aria-labelledby="match-fields-title">
        <div className="drawer-section-head">
          <h3 id="match-fields-title">Fields</h3>
          <CopyButton label="Copy JSON" text={() => JSON.stringify(match.fields, null, 2)} />
        </div>
        {keys.length === 0 ? (
          <p className="muted">No fields.</p>
        ) : (
          <dl className="kv-list" aria-label="Fields of the matching event">
            {keys.map((k) => (
              <div key={k} className="kv-row">
                <dt className="tree-key" title={k}>
                  {k}
                </dt>
                <dd className="tree-value">{show(match.fields[k])}</dd>
              </div>
            ))}
          </dl>
        )}
      </section>
    </Drawer>
  );
}

/** The event open in Events, over the week up to it (a backtest may reach past any preset). */
export function eventInEvents(match: Pick<RuleTestMatch, "event_id" | "timestamp">): string {
  const range: TimeRange = match.timestamp ? weekUpTo(match.timestamp) : { kind: "preset", preset: "30d" };
  const link = eventsLink("", range);
  return `${link}${link.includes("?") ? "&" : "?"}event=${encodeURIComponent(match.event_id)}`;
}
