// The Threat Map: where events come from, placed by GeoIP from real events.
// It counts every event with a located source or destination (a failed
// login and a 200 GET alike), so it says "located events", not "attacks".
// First paint from GET /api/v1/threatmap/summary, then live over the
// WebSocket (channel "threatmap" for located events, "security:events" to
// count the events with an address that could not be placed). Live events
// stamped outside the time range are left out, as the summary leaves them.
// Nothing is ever synthesised: until a located event exists the map says
// NO LIVE TELEMETRY. Everything listed leads to Events over the map's time
// range: a row to its event (in the drawer), a country to its events, a
// source's mark to the events from its addresses.

import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useReducer, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api } from "../api/client";
import { queryKeys } from "../api/queries";
import { SEVERITIES, SEVERITY_LABELS, type Attack, type LiveMessage, type SecurityEvent, type Severity, type ThreatMapSummary } from "../api/types";
import { hasPermission, useCurrentUser } from "../app/session";
import { utcOffsetLabel } from "../components/timezone";
import { fieldAt } from "../events/fields";
import { eventsLink, inRange, presetLabel, queryValue, readRange, writeRange, writeSearchState, type PresetKey, type TimeRange } from "../events/searchState";
import { SeverityBadge } from "../events/SeverityBadge";
import { TimeRangePicker } from "../events/TimeRangePicker";
import { useLive } from "../live/socket";
import { AccessDenied } from "../ui/AccessDenied";
import { countryName } from "../ui/country";
import { ErrorMessage } from "../ui/ErrorMessage";
import { CompactTime, formatTime } from "../ui/time";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { addCounts, attackKey, isDrawable, isLocated, placeOf, sourceQuery, type Origin } from "./attacks";
import { WorldMap, type LiveArc } from "./WorldMap";

/** How long a live arc stays on the map. */
export const ARC_FADE_MS = 60_000;
const LIST_SIZE = 50;
const MAP_PRESETS: readonly PresetKey[] = ["1h", "24h", "7d", "30d"];
const LOCATED_QUERY = "source.geo.location.lat:* OR destination.geo.location.lat:*";
/** Events with an address GeoIP could not place (private, reserved or unknown to the database). */
const UNPLACED_QUERY = "(source.ip:* OR destination.ip:*) AND NOT source.geo.location.lat:* AND NOT destination.geo.location.lat:*";

interface LiveState {
  /** Newest first, capped. */
  attacks: LiveArc[];
  located: number;
  unlocated: number;
  bySeverity: Map<Severity, number>;
  byCountry: Map<string, number>;
  seen: Set<string>;
}

const EMPTY: LiveState = { attacks: [], located: 0, unlocated: 0, bySeverity: new Map(), byCountry: new Map(), seen: new Set() };

type LiveAction = { type: "attack"; attack: Attack; at: number } | { type: "event"; event: SecurityEvent } | { type: "reset"; seen: Set<string> };

/** Events from a source country (an ISO code), as the Events explorer searches them. */
export function countryQuery(code: string): string {
  return `source.geo.country_iso_code:${/^[A-Za-z0-9]+$/.test(code) ? code : queryValue(code)}`;
}

/** The Events explorer over `range` with the event `id` open in its drawer. */
export function eventHref(id: string, range: TimeRange): string {
  const p = writeSearchState({ query: "", range, severities: [] });
  p.set("event", id);
  return `/events?${p.toString()}`;
}

function eventLocated(ev: SecurityEvent): boolean {
  const has = (side: string) => typeof fieldAt(ev.fields, `${side}.geo.location.lat`) === "number" && typeof fieldAt(ev.fields, `${side}.geo.location.lon`) === "number";
  return has("source") || has("destination");
}

function eventHasAddress(ev: SecurityEvent): boolean {
  const ip = (side: string) => {
    const v = fieldAt(ev.fields, `${side}.ip`);
    return v !== undefined && v !== null && v !== "";
  };
  return ip("source") || ip("destination");
}

/** Newest first by time; the same time keeps the order given. */
function byTimeDesc<T>(list: readonly T[], time: (x: T) => string): T[] {
  const at = (x: T) => {
    const t = Date.parse(time(x));
    return Number.isNaN(t) ? -Infinity : t;
  };
  return list.slice().sort((a, b) => at(b) - at(a));
}

export function liveReducer(state: LiveState, action: LiveAction): LiveState {
  switch (action.type) {
    case "reset":
      return { ...EMPTY, seen: action.seen };
    case "attack": {
      const a = action.attack;
      // Never placed without coordinates; the summary's attacks are not counted twice.
      if (!isDrawable(a)) return state;
      const key = attackKey(a, state.located);
      if (a.event_id && state.seen.has(a.event_id)) return state;
      const seen = new Set(state.seen);
      if (a.event_id) seen.add(a.event_id);
      const bySeverity = new Map(state.bySeverity);
      bySeverity.set(a.severity_label, (bySeverity.get(a.severity_label) ?? 0) + 1);
      const byCountry = new Map(state.byCountry);
      const cc = isLocated(a.source) ? a.source.country_iso_code : undefined;
      if (cc) byCountry.set(cc, (byCountry.get(cc) ?? 0) + 1);
      return {
        ...state,
        seen,
        bySeverity,
        byCountry,
        located: state.located + 1,
        attacks: byTimeDesc([{ key, attack: a, at: action.at }, ...state.attacks], (x) => x.attack.time).slice(0, 200),
      };
    }
    case "event":
      return eventLocated(action.event) || !eventHasAddress(action.event) ? state : { ...state, unlocated: state.unlocated + 1 };
  }
}

export default function ThreatMapPage() {
  useDocumentTitle("Threat Map");
  const me = useCurrentUser();
  if (!hasPermission(me, "events:read")) {
    return (
      <section className="page" aria-labelledby="page-title">
        <header className="page-header">
          <h1 id="page-title">Threat Map</h1>
        </header>
        <AccessDenied area="the Threat Map" role={me.role} />
      </section>
    );
  }
  return <ThreatMap />;
}

function ThreatMap() {
  const [params, setParams] = useSearchParams();
  const range = readRange(params);
  // Another page's range in the URL (all time, say) shows the default here.
  const preset = range.kind === "preset" && MAP_PRESETS.includes(range.preset) ? range.preset : "24h";
  const from = `now-${preset}`;
  const view = useMemo<TimeRange>(() => ({ kind: "preset", preset }), [preset]);
  const navigate = useNavigate();
  const originHref = useCallback((o: Origin) => eventsLink(sourceQuery(o.ips.length > 0 ? o.ips : [o.ip]), view), [view]);

  const summary = useQuery({
    queryKey: queryKeys.threatMap({ from }),
    queryFn: ({ signal }) => api.threatMapSummary({ from }, signal),
  });
  const located = useQuery({
    queryKey: queryKeys.eventStats({ query: LOCATED_QUERY, from }),
    queryFn: ({ signal }) => api.eventStats({ query: LOCATED_QUERY, from }, signal),
    enabled: (summary.data?.with_location ?? 0) > 0,
  });
  const unplaced = useQuery({
    queryKey: queryKeys.eventStats({ query: UNPLACED_QUERY, from }),
    queryFn: ({ signal }) => api.eventStats({ query: UNPLACED_QUERY, from }, signal),
    enabled: summary.isSuccess && summary.data.total > summary.data.with_location,
  });

  const [live, dispatch] = useReducer(liveReducer, EMPTY);
  const summaryData = summary.data;
  useEffect(() => {
    dispatch({ type: "reset", seen: new Set((summaryData?.attacks ?? []).map((a) => a.event_id).filter((id): id is string => !!id)) });
  }, [summaryData]);

  const onMessage = useCallback(
    (msg: LiveMessage) => {
      // The range reaches back from the moment an event arrives, as the summary's did from its own.
      const view: TimeRange = { kind: "preset", preset };
      if (msg.channel === "threatmap" && msg.type === "attack") {
        const a = msg.data as Attack | null;
        if (a && a.source && a.destination && inRange(a.time, view, Date.now())) dispatch({ type: "attack", attack: a, at: Date.now() });
      } else if (msg.channel === "security:events" && msg.type === "event") {
        const ev = msg.data as SecurityEvent | null;
        if (ev && typeof ev.id === "string" && inRange(ev["@timestamp"], view, Date.now())) dispatch({ type: "event", event: ev });
      }
    },
    [preset],
  );
  // Opened once the first paint is in, so that nothing is counted twice.
  const status = useLive(["threatmap", "security:events"], "", summary.isSuccess, onMessage);

  // Live arcs fade: the map keeps only the recent ones.
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (live.attacks.length === 0) return;
    const t = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(t);
  }, [live.attacks.length]);
  const arcs = useMemo(() => live.attacks.filter((a) => now - a.at < ARC_FADE_MS || a.at > now), [live.attacks, now]);

  const history = useMemo(() => (summaryData?.attacks ?? []).filter(isDrawable), [summaryData]);
  const inView = (summaryData?.with_location ?? 0) + live.located;
  // Events with no address at all are not "without location": there was nothing to place.
  const unplacedBase = summaryData && summaryData.total === summaryData.with_location ? 0 : unplaced.data?.total;
  const without = unplacedBase === undefined ? undefined : unplacedBase + live.unlocated;
  const noTelemetry = summary.isSuccess && inView === 0;

  const bySeverity = useMemo(() => {
    const base = new Map<Severity, number>();
    if (located.data) for (const t of located.data.by_severity) base.set(t.term as Severity, t.count);
    else for (const a of history) base.set(a.severity_label, (base.get(a.severity_label) ?? 0) + 1);
    for (const [s, n] of live.bySeverity) base.set(s, (base.get(s) ?? 0) + n);
    return base;
  }, [located.data, history, live.bySeverity]);
  const countries = useMemo(() => addCounts(summaryData?.top_source_countries ?? [], live.byCountry).slice(0, 8), [summaryData, live.byCountry]);
  const latest = useMemo(() => byTimeDesc([...live.attacks.map((a) => a.attack), ...history], (a) => a.time).slice(0, LIST_SIZE), [live.attacks, history]);
  const liveOnes = useMemo(() => new Set(live.attacks.map((a) => a.attack)), [live.attacks]);

  return (
    <section className="page page-wide" aria-labelledby="page-title">
      <header className="page-header page-header-row">
        <div>
          <h1 id="page-title">Threat Map</h1>
          <p className="page-subtitle">Where events come from, placed by GeoIP from their source and destination addresses. {presetLabel(preset)}.</p>
        </div>
        <div className="page-actions">
          <span className={status === "open" ? "pill pill-on" : status === "connecting" ? "pill pill-warn" : "pill pill-off"} role="status">
            {status === "open" ? "Live" : status === "connecting" ? "Connecting…" : "Not connected"}
          </span>
          <TimeRangePicker
            range={{ kind: "preset", preset }}
            allowAbsolute={false}
            presets={MAP_PRESETS}
            onChange={(r) =>
              setParams((prev) => {
                const p = new URLSearchParams(prev);
                writeRange(p, r);
                return p;
              })
            }
          />
        </div>
      </header>

      {summary.isError ? <ErrorMessage error={summary.error} /> : null}

      <div className="map-layout">
        <div className="card map-card">
          <WorldMap history={history} arcs={arcs} originHref={originHref}>
            {summary.isPending ? (
              <div className="map-overlay" role="status">
                <p className="muted">Loading the map…</p>
              </div>
            ) : noTelemetry ? (
              <NoTelemetry summary={summaryData} />
            ) : null}
          </WorldMap>
          <SeverityKey />
        </div>

        <aside className="map-side">
          <section className="card counters" aria-label="Counters">
            <div className="counter-pair">
              <div className="counter" title="Events whose source or destination address GeoIP placed, whatever they record">
                <span className="counter-value" aria-label="Located events">
                  {summary.isSuccess ? inView.toLocaleString() : "…"}
                </span>
                <span className="counter-label">Located events</span>
              </div>
              <div className="counter" title="Events with an address GeoIP could not place: private, reserved or not in its database. Events without any address are not counted.">
                <span className="counter-value counter-muted" aria-label="Events with an address not located">
                  {summary.isSuccess && without !== undefined ? without.toLocaleString() : "…"}
                </span>
                <span className="counter-label">Address not located</span>
              </div>
            </div>
            <h2 className="side-title">By severity</h2>
            <ul className="sev-counts">
              {SEVERITIES.slice()
                .reverse()
                .map((s) => (
                  <li key={s}>
                    <span className={`sev sev-${s}`}>
                      <span className="sev-mark" aria-hidden="true" />
                      {SEVERITY_LABELS[s]}
                    </span>
                    <span className="term-count" aria-label={`${SEVERITY_LABELS[s]} located events`}>
                      {(bySeverity.get(s) ?? 0).toLocaleString()}
                    </span>
                  </li>
                ))}
            </ul>
            <h2 className="side-title">Top source countries</h2>
            {countries.length === 0 ? (
              <p className="muted">None yet.</p>
            ) : (
              <ol className="country-list" aria-label="Top source countries">
                {countries.map((c) => (
                  <li key={c.term}>
                    <Link className="country-link" to={eventsLink(countryQuery(c.term), view)} title={`Events from ${countryName(c.term) ?? c.term}, ${presetLabel(preset).toLowerCase()}`}>
                      <span className="country-code">{c.term}</span>
                      <span className="country-name">{countryName(c.term) ?? c.term}</span>
                      <span className="term-count">{c.count.toLocaleString()}</span>
                    </Link>
                  </li>
                ))}
              </ol>
            )}
          </section>
        </aside>
      </div>

      <section className="card latest-attacks" aria-labelledby="latest-title">
        <div className="card-head">
          <h2 id="latest-title">Latest located events</h2>
          <span className="muted card-head-note">newest first · live ones are marked · a row opens its event in Events</span>
        </div>
        {latest.length === 0 ? (
          <p className="muted">No located event yet.</p>
        ) : (
          <div className="table-wrap table-wrap-flat">
            <table className="table table-dense latest-table">
              <caption className="sr-only">Latest located events</caption>
              <thead>
                <tr>
                  <th scope="col" title="Times in your browser's time zone">
                    Time ({utcOffsetLabel()})
                  </th>
                  <th scope="col">Severity</th>
                  <th scope="col">Source</th>
                  <th scope="col">Destination</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {latest.map((a, i) => (
                  <tr
                    key={attackKey(a, i)}
                    className={[liveOnes.has(a) ? "row-live" : "", a.event_id ? "row-linked" : ""].filter(Boolean).join(" ") || undefined}
                    onClick={a.event_id ? () => navigate(eventHref(a.event_id ?? "", view)) : undefined}
                  >
                    <td className="cell-nowrap">
                      {a.event_id ? (
                        <Link
                          to={eventHref(a.event_id, view)}
                          className="row-link"
                          aria-label={`Open the event of ${formatTime(a.time)}${a.source.ip ? ` from ${a.source.ip}` : ""} in Events`}
                          onClick={(e) => e.stopPropagation()}
                        >
                          <CompactTime value={a.time} />
                        </Link>
                      ) : (
                        <CompactTime value={a.time} />
                      )}
                    </td>
                    <td>
                      <SeverityBadge label={a.severity_label} score={a.severity} />
                    </td>
                    <td className="cell-nowrap">
                      <Endpoint ip={a.source.ip} place={placeOf(a.source)} located={isLocated(a.source)} />
                    </td>
                    <td className="cell-nowrap">
                      <Endpoint ip={a.destination.ip} place={placeOf(a.destination)} located={isLocated(a.destination)} />
                    </td>
                    <td className="cell-nowrap">{a.action || <span className="muted">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </section>
  );
}

function Endpoint({ ip, place, located }: { ip: string | undefined; place: string; located: boolean }) {
  if (!ip && !place) return <span className="muted">unknown</span>;
  return (
    <span className="endpoint">
      {ip ? <span className="mono">{ip}</span> : null}
      {place ? <span className={located ? "endpoint-place" : "endpoint-place muted"}>{place}</span> : <span className="endpoint-place muted">location unknown</span>}
    </span>
  );
}

function NoTelemetry({ summary }: { summary: ThreatMapSummary | undefined }) {
  const unlocated = summary ? summary.total - summary.with_location : 0;
  return (
    <div className="map-overlay no-telemetry" role="status" aria-labelledby="no-telemetry-title">
      <p className="no-telemetry-title" id="no-telemetry-title">
        NO LIVE TELEMETRY
      </p>
      <p>No event with a known location has arrived in this range. Nothing is drawn until one does: the map never shows made-up attacks.</p>
      {summary?.geoip === false ? (
        <p className="muted">
          No GeoIP database is configured on the server, so no event can be placed: start it with <code>--geoip-city-db</code> (a MaxMind City or Country{" "}
          <code>.mmdb</code>).
          {unlocated > 0 ? ` ${unlocated.toLocaleString()} event${unlocated === 1 ? "" : "s"} arrived in this range.` : ""}
        </p>
      ) : unlocated > 0 ? (
        <p className="muted">
          {unlocated.toLocaleString()} event{unlocated === 1 ? "" : "s"} arrived without a location: no source or destination address, private or reserved
          addresses, or addresses the GeoIP database does not know
          {summary?.geoip === undefined ? (
            <>
              {" "}
              (or no GeoIP database on the server: <code>--geoip-city-db</code>)
            </>
          ) : null}
          .
        </p>
      ) : (
        <p className="muted">Events whose source IP GeoIP can place appear here as they arrive.</p>
      )}
    </div>
  );
}

function SeverityKey() {
  return (
    <ul className="sev-legend map-legend" aria-label="Severity colours">
      {SEVERITIES.map((s) => (
        <li key={s}>
          <span className={`sev-swatch sev-fill-${s}`} aria-hidden="true" />
          {SEVERITY_LABELS[s]}
        </li>
      ))}
    </ul>
  );
}
