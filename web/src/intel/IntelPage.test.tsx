import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ROLE_PERMISSIONS, json, makeMe, makeMeAs, renderWithProviders, stubFetch, type Call } from "../test/helpers";
import IntelPage from "./IntelPage";
import type { Feed, Indicator, ImportReport, IntelSummary, Sighting } from "./intelApi";

const SUMMARY: IntelSummary = {
  indicators: 3,
  by_type: { ipv4: 2, domain: 1, url: 0 },
  feeds: 1,
  active_feeds: 1,
  failing_feeds: 0,
  sightings_24h: 7,
  dropped_sightings: 0,
};

function indicator(over: Partial<Indicator> = {}): Indicator {
  return {
    id: "i-1",
    type: "ipv4",
    value: "198.51.100.66",
    confidence: 90,
    severity: "critical",
    source: "manual",
    feed_id: "",
    tags: ["c2"],
    description: "Loader C2",
    exact_only: false,
    first_seen: "2026-11-23T10:00:00Z",
    last_seen: "2026-11-23T10:00:00Z",
    expires_at: null,
    active: true,
    created_by: "u-admin",
    created_at: "2026-11-23T10:00:00Z",
    updated_at: "2026-11-23T10:00:00Z",
    sightings: 2,
    last_sighting_at: "2026-11-23T10:05:00Z",
    retro_status: "done",
    retro_hits: 1,
    retro_at: "2026-11-23T10:00:01Z",
    ...over,
  };
}

const FEED: Feed = {
  id: "f-1",
  name: "abuse list",
  url: "https://feeds.example/list.txt",
  format: "plain",
  interval_seconds: 3600,
  enabled: true,
  confidence: 50,
  severity: "high",
  tags: [],
  status: "ok",
  last_run_at: "2026-11-23T09:00:00Z",
  last_success_at: "2026-11-23T09:00:00Z",
  last_error: "",
  last_count: 120,
  failures: 0,
  next_run_at: "2026-11-23T10:00:00Z",
  created_by: "u-admin",
  created_at: "2026-11-20T00:00:00Z",
  updated_at: "2026-11-23T09:00:00Z",
};

const SIGHTING: Sighting = {
  id: "s-1",
  indicator_id: "i-1",
  indicator_type: "ipv4",
  indicator_value: "198.51.100.66",
  event_id: "e-1",
  event_time: "2026-11-23T10:05:00Z",
  field: "destination.ip",
  value: "198.51.100.66",
  match_type: "indicator_match",
  origin: "live",
  seen_at: "2026-11-23T10:05:01Z",
};

function server(extra?: (call: Call) => Response | undefined) {
  return stubFetch((call) => {
    const hit = extra?.(call);
    if (hit) return hit;
    const path = call.url.split("?")[0];
    if (path === "/api/v1/intel/summary") return json(200, SUMMARY);
    if (path === "/api/v1/intel/indicators" && call.method === "GET") return json(200, { items: [indicator()], total: 1 });
    if (path === "/api/v1/intel/feeds" && call.method === "GET") return json(200, { items: [FEED] });
    if (path === "/api/v1/intel/sightings") return json(200, { items: [SIGHTING], total: 1 });
    return json(404, { error: { code: "not_found", message: `unexpected ${call.method} ${call.url}` } });
  });
}

afterEach(() => vi.unstubAllGlobals());

/** An admin, who holds intel:read and intel:write (internal/auth/rbac.go). */
const admin = () => makeMe({ permissions: [...ROLE_PERMISSIONS.admin, "intel:read", "intel:write"] });

describe("IntelPage", () => {
  it("shows the KPIs and the indicators", async () => {
    server();
    renderWithProviders(<IntelPage />, { route: "/threat-intel", me: admin() });
    const kpi = await screen.findByRole("region", { name: "Active indicators" });
    await waitFor(() => expect(within(kpi).getByText("3")).toBeInTheDocument());
    expect(within(kpi).getByText("IPv4 2 · Domain 1")).toBeInTheDocument();
    expect(within(screen.getByRole("region", { name: "Sightings in the last 24 hours" })).getByText("7")).toBeInTheDocument();
    const row = (await screen.findByText("198.51.100.66")).closest("tr")!;
    expect(within(row).getByText("Critical")).toBeInTheDocument();
    expect(within(row).getByText("Seen in 1 past events")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Export STIX" })).toHaveAttribute("href", "/api/v1/intel/export?format=stix&active=true");
  });

  it("adds an indicator and shows the server's field error", async () => {
    const posted: unknown[] = [];
    server((call) => {
      if (call.url === "/api/v1/intel/indicators" && call.method === "POST") {
        posted.push(call.body);
        const b = call.body as { value: string };
        if (b.value === "300.1.1.1") return json(400, { error: { code: "validation_failed", field: "value", message: 'value: "300.1.1.1" is not an IP address' } });
        return json(201, indicator({ id: "i-2", value: b.value }));
      }
      return undefined;
    });
    const user = userEvent.setup();
    renderWithProviders(<IntelPage />, { route: "/threat-intel", me: admin() });
    await user.click(await screen.findByRole("button", { name: "Add indicator" }));
    const dialog = screen.getByRole("dialog", { name: "Add indicator" });
    await user.type(within(dialog).getByLabelText("Value"), "300.1.1.1");
    await user.click(within(dialog).getByRole("button", { name: "Add" }));
    expect(await within(dialog).findByText('value: "300.1.1.1" is not an IP address')).toBeInTheDocument();
    await user.clear(within(dialog).getByLabelText("Value"));
    await user.type(within(dialog).getByLabelText("Value"), "evil.example");
    await user.selectOptions(within(dialog).getByLabelText("Severity"), "high");
    await user.click(within(dialog).getByRole("button", { name: "Add" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(posted[1]).toMatchObject({ value: "evil.example", severity: "high", confidence: 50, tags: [] });
    expect(posted[1]).not.toHaveProperty("expires_at");
  });

  it("imports a file and reports every refused record", async () => {
    const report: ImportReport = {
      format: "plain",
      name: "list.txt",
      source: "partner",
      indicators: 2,
      created: 2,
      updated: 0,
      error_count: 1,
      errors: [{ file: "list.txt", record: 4, line: 4, field: "value", reason: 'cannot tell the type of "not a value"' }],
      skipped: {},
      warnings: [],
      retro_hunted: 2,
    };
    let uploaded = "";
    server((call) => {
      if (call.url.startsWith("/api/v1/intel/import?")) {
        uploaded = call.url;
        return json(200, report);
      }
      return undefined;
    });
    const user = userEvent.setup();
    renderWithProviders(<IntelPage />, { route: "/threat-intel", me: admin() });
    await user.click(await screen.findByRole("button", { name: "Import" }));
    const dialog = screen.getByRole("dialog", { name: "Import indicators" });
    await user.upload(within(dialog).getByLabelText("File"), new File(["192.0.2.1\n"], "list.txt", { type: "text/plain" }));
    await user.type(within(dialog).getByLabelText("Source name"), "partner");
    await user.click(within(dialog).getByRole("button", { name: "Import" }));
    const table = await within(dialog).findByRole("table", { name: "Refused records" });
    expect(within(table).getByText('cannot tell the type of "not a value"')).toBeInTheDocument();
    expect(uploaded).toBe("/api/v1/intel/import?name=list.txt&source=partner");
  });

  it("lists sightings and runs a feed now", async () => {
    let ran = 0;
    server((call) => {
      if (call.url === "/api/v1/intel/feeds/f-1/run") {
        ran++;
        return json(200, { feed: FEED, not_modified: true, indicators: 0, created: 0, updated: 0, expired: 0, error_count: 0, errors: [] });
      }
      return undefined;
    });
    const user = userEvent.setup();
    renderWithProviders(<IntelPage />, { route: "/threat-intel?tab=sightings", me: admin() });
    const cell = await screen.findByText("destination.ip");
    expect(within(cell.closest("tr")!).getByText("Live")).toBeInTheDocument();
    // The event opens in the Events drawer.
    expect(within(cell.closest("tr")!).getByRole("link", { name: "Open" })).toHaveAttribute("href", "/events?event=e-1");
    await user.click(screen.getByRole("tab", { name: "Feeds" }));
    await user.click(await screen.findByRole("button", { name: "Run abuse list now" }));
    expect(await screen.findByText("abuse list: not modified since the last fetch.")).toBeInTheDocument();
    expect(ran).toBe(1);
  });

  it("is read-only for a viewer", async () => {
    server();
    renderWithProviders(<IntelPage />, { route: "/threat-intel", me: makeMeAs("viewer", { permissions: ["self", "intel:read"] }) });
    await screen.findByText("198.51.100.66");
    expect(screen.queryByRole("button", { name: "Add indicator" })).not.toBeInTheDocument();
    expect(screen.getByText("View only: your role cannot change indicators.")).toBeInTheDocument();
  });
});
