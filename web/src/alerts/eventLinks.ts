// The two ways from an alert to the Events explorer:
//   - its events: a search for the alert's event ids (`_id:(…)`) over its
//     span, first to last seen, which shows exactly the events it kept;
//   - related activity: everything about its hosts, users and IP addresses
//     from an hour before its first event to an hour after its last, a
//     wider and looser reading.

import type { Alert } from "../api/detection";
import { eventsLink, queryValue, type TimeRange } from "../events/searchState";

/**
 * At most this many ids go into a link: an alert keeps the ids of its last
 * 100 events, and 100 ids (32 characters each) make a query of about 3,600
 * characters, inside the server's 4,096 and a URL every browser and proxy
 * takes.
 */
export const MAX_LINK_IDS = 100;

/** The query's length budget, below the events API's 4,096 characters. */
export const MAX_LINK_QUERY = 3800;

const HOUR = 3600_000;

/** An id as a query term: bare when it is a plain token, else quoted. */
function idTerm(id: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id) && !/^(AND|OR|NOT|TO)$/.test(id) ? id : queryValue(id);
}

export interface IdsQuery {
  /** `_id:(a OR b …)`, or "" when there are no ids. */
  query: string;
  /** How many ids the query holds (the newest, when capped). */
  shown: number;
  /** How many ids there were. */
  total: number;
}

/**
 * The search for the events with these ids, the newest (last) ones first
 * kept when there are more than `max` or the query would pass `budget`
 * characters.
 */
export function idsQuery(ids: readonly string[], max = MAX_LINK_IDS, budget = MAX_LINK_QUERY): IdsQuery {
  const unique = [...new Set(ids.filter((id) => id !== ""))];
  const terms: string[] = [];
  let length = "_id:()".length;
  for (let i = unique.length - 1; i >= 0 && terms.length < max; i--) {
    const t = idTerm(unique[i] as string);
    const add = t.length + (terms.length > 0 ? 4 : 0);
    if (length + add > budget) break;
    terms.push(t);
    length += add;
  }
  terms.reverse();
  return { query: terms.length > 0 ? `_id:(${terms.join(" OR ")})` : "", shown: terms.length, total: unique.length };
}

/** The alert's span as an Events range: first seen to just past last seen. */
export function spanOf(a: Pick<Alert, "first_seen" | "last_seen">): TimeRange {
  const first = new Date(a.first_seen).getTime();
  const last = new Date(a.last_seen).getTime();
  if (Number.isNaN(first) || Number.isNaN(last)) return { kind: "preset", preset: "30d" };
  return { kind: "absolute", from: new Date(first).toISOString(), to: new Date(last + 1).toISOString() };
}

/** From an hour before the alert's first event to an hour after its last. */
export function aroundAlert(a: Pick<Alert, "first_seen" | "last_seen">): TimeRange {
  const first = new Date(a.first_seen).getTime();
  const last = new Date(a.last_seen).getTime();
  if (Number.isNaN(first) || Number.isNaN(last)) return { kind: "preset", preset: "30d" };
  return { kind: "absolute", from: new Date(first - HOUR).toISOString(), to: new Date(last + HOUR).toISOString() };
}

export interface AlertEventsLink extends IdsQuery {
  /** The Events explorer's URL; "" when the alert lists no event ids. */
  to: string;
  /** What the link does not show, for its note; "" when it shows them all. */
  note: string;
}

/** "Open in Events": exactly the alert's kept events, over its span. */
export function alertEventsLink(a: Pick<Alert, "event_ids" | "first_seen" | "last_seen" | "count">): AlertEventsLink {
  const q = idsQuery(a.event_ids ?? []);
  let note = "";
  if (q.shown < q.total) {
    note = `Opens the newest ${q.shown.toLocaleString()} of the ${q.total.toLocaleString()} event ids the alert keeps (a longer list would not fit in a link).`;
  } else if (a.count > q.total && q.total > 0) {
    note = `Opens the ${q.total.toLocaleString()} events whose ids the alert keeps (its last ${q.total.toLocaleString()} of ${a.count.toLocaleString()}); Related activity reads wider.`;
  }
  return { ...q, to: q.query ? eventsLink(q.query, spanOf(a)) : "", note };
}

/** The fields an entity of the alert is searched by. */
const RELATED_FIELDS = [
  { key: "hosts", field: "related.hosts" },
  { key: "users", field: "related.user" },
  { key: "ips", field: "related.ip" },
] as const;

/** At most this many values of each kind go into the wider search (the link stays short). */
export const MAX_RELATED_VALUES = 20;

/** Any event about one of the alert's hosts, users or IP addresses. */
export function relatedActivityQuery(entities: Alert["entities"] | undefined): string {
  const clauses: string[] = [];
  for (const { key, field } of RELATED_FIELDS) {
    const values = [...new Set(entities?.[key] ?? [])].filter((v) => v !== "").slice(0, MAX_RELATED_VALUES);
    if (values.length === 1) clauses.push(`${field}:${queryValue(values[0] as string)}`);
    else if (values.length > 1) clauses.push(`${field}:(${values.map(queryValue).join(" OR ")})`);
  }
  return clauses.join(" OR ");
}

/** "Related activity (wider)": the alert's entities an hour either side of it; "" when it names none. */
export function relatedActivityLink(a: Pick<Alert, "entities" | "first_seen" | "last_seen">): string {
  const q = relatedActivityQuery(a.entities);
  return q ? eventsLink(q, aroundAlert(a)) : "";
}
