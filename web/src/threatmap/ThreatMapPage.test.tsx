import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Attack, ThreatMapSummary } from "../api/types";
import { makeEvent, makeStats } from "../test/events";
import { installFakeWebSocket, type FakeWebSocket } from "../test/fakeWebSocket";
import { json, makeMe, renderWithProviders, stubFetch } from "../test/helpers";
import { isDrawable, isLocated, originsOf, sourceQuery } from "./attacks";
import ThreatMapPage, { countryQuery } from "./ThreatMapPage";

afterEach(() => vi.unstubAllGlobals());

const nowhere = { lat: 0, lon: 0, has_location: false };
/** A minute ago: inside every range of the map. */
const recent = new Date(Date.now() - 60_000).toISOString();

function attack(id: string, over: Partial<Attack> = {}): Attack {
  return {
    event_id: id,
    time: recent,
    severity: 73,
    severity_label: "high",
    action: "ssh_login",
    dataset: "linux.auth",
    source: { ip: "81.2.69.142", lat: 51.5142, lon: -0.0931, has_location: true, country_iso_code: "GB", country_name: "United Kingdom", city_name: "London" },
    destination: { ip: "10.0.0.5", ...nowhere, label: "private network" },
    ...over,
  };
}

const sweden = attack("a-2", {
  severity: 99,
  severity_label: "critical",
  source: { ip: "89.160.20.112", lat: 58.4167, lon: 15.6167, has_location: true, country_iso_code: "SE", country_name: "Sweden", city_name: "Linköping" },
});

function summary(over: Partial<ThreatMapSummary> = {}): ThreatMapSummary {
  return { attacks: [], top_source_countries: [], total: 0, with_location: 0, ...over };
}

/** `unplaced`: the events with an address GeoIP could not place (all the unlocated ones unless told). */
function serve(s: ThreatMapSummary, unplaced = s.total - s.with_location) {
  return stubFetch((call) => {
    const url = new URL(call.url, "http://localhost");
    if (url.pathname === "/api/v1/threatmap/summary") return json(200, s);
    if (url.pathname === "/api/v1/events/stats/summary") {
      if (url.searchParams.get("query")?.includes("NOT source.geo.location.lat:*")) return json(200, makeStats({ total: unplaced }));
      return json(200, makeStats({ total: s.with_location, by_severity: [{ term: "high", count: 1 }, { term: "critical", count: 1 }] }));
    }
    return json(200, makeMe());
  });
}

const attacksDrawn = () => screen.queryAllByRole("img", { name: /^(Attack source|Live attack)/ });

describe("threat map: what may be drawn", () => {
  it("places only ends with real coordinates", () => {
    expect(isLocated({ lat: 51.5, lon: -0.1, has_location: true })).toBe(true);
    expect(isLocated({ lat: 0, lon: 0, has_location: false })).toBe(false);
    expect(isLocated({ lat: 51.5, lon: -0.1, has_location: false })).toBe(false);
    // Without the server's word, 0,0 is no place.
    expect(isLocated({ lat: 0, lon: 0 })).toBe(false);
    expect(isLocated({ lat: Number.NaN, lon: 3 })).toBe(false);
    expect(isDrawable(attack("x", { source: { ip: "10.1.1.1", ...nowhere }, destination: { ip: "10.0.0.5", ...nowhere } }))).toBe(false);
  });

  it("groups sources by place and keeps the worst severity", () => {
    const o = originsOf([attack("1"), attack("2", { severity_label: "critical" }), sweden, attack("3", { source: { ip: "10.1.1.1", ...nowhere } })]);
    expect(o.map((x) => [x.ip, x.count, x.worst])).toEqual([
      ["81.2.69.142", 2, "critical"],
      ["89.160.20.112", 1, "critical"],
    ]);
    // Every address of a place, for its events.
    const two = originsOf([attack("1"), attack("2", { source: { ...attack("x").source, ip: "81.2.69.160" } })]);
    expect(two.map((x) => x.ips)).toEqual([["81.2.69.142", "81.2.69.160"]]);
  });

  it("searches a place's addresses and a country as the Events explorer reads them", () => {
    expect(sourceQuery(["81.2.69.142"])).toBe('source.ip:"81.2.69.142"');
    expect(sourceQuery(["81.2.69.142", "2001:db8::1"])).toBe('source.ip:("81.2.69.142" OR "2001:db8::1")');
    expect(countryQuery("GB")).toBe("source.geo.country_iso_code:GB");
    expect(countryQuery('x"y')).toBe('source.geo.country_iso_code:"x\\"y"');
  });
});

describe("ThreatMapPage", () => {
  let WS: typeof FakeWebSocket;
  beforeEach(() => {
    WS = installFakeWebSocket();
  });

  it("says NO LIVE TELEMETRY until a located event exists, and draws nothing", async () => {
    serve(summary({ total: 3, with_location: 0 }));
    renderWithProviders(<ThreatMapPage />, { route: "/threat-map", me: makeMe() });
    const status = await screen.findByRole("status", { name: "NO LIVE TELEMETRY" });
    expect(status).toHaveTextContent("3 events arrived without a location");
    expect(attacksDrawn()).toHaveLength(0);
    expect(screen.getByLabelText("Located events")).toHaveTextContent("0");
    await vi.waitFor(() => expect(screen.getByLabelText("Events with an address not located")).toHaveTextContent("3"));
    expect(screen.getByText("No located event yet.")).toBeInTheDocument();
  });

  it("says which: addresses GeoIP cannot place, or no GeoIP database at all", async () => {
    serve(summary({ total: 6, with_location: 0, geoip: true }));
    const { unmount } = renderWithProviders(<ThreatMapPage />, { route: "/threat-map", me: makeMe() });
    const status = await screen.findByRole("status", { name: "NO LIVE TELEMETRY" });
    expect(status).toHaveTextContent("6 events arrived without a location: no source or destination address, private or reserved addresses, or addresses the GeoIP database does not know.");
    expect(status).not.toHaveTextContent("--geoip-city-db");
    unmount();
    vi.unstubAllGlobals();
    installFakeWebSocket();
    serve(summary({ total: 6, with_location: 0, geoip: false }));
    renderWithProviders(<ThreatMapPage />, { route: "/threat-map", me: makeMe() });
    const none = await screen.findByRole("status", { name: "NO LIVE TELEMETRY" });
    expect(none).toHaveTextContent("No GeoIP database is configured on the server, so no event can be placed: start it with --geoip-city-db");
    expect(none).toHaveTextContent("6 events arrived in this range.");
  });

  it("paints the located attacks of the summary and counts the others as without location", async () => {
    serve(
      summary({
        total: 5,
        with_location: 2,
        attacks: [attack("a-1"), sweden, attack("a-3", { source: { ip: "192.168.1.9", ...nowhere }, destination: { ip: "10.0.0.1", ...nowhere } })],
        top_source_countries: [
          { term: "GB", count: 1 },
          { term: "SE", count: 1 },
        ],
      }),
    );
    renderWithProviders(<ThreatMapPage />, { route: "/threat-map", me: makeMe() });
    await vi.waitFor(() => expect(attacksDrawn()).toHaveLength(2));
    expect(screen.queryByText("NO LIVE TELEMETRY")).not.toBeInTheDocument();
    expect(screen.getByRole("img", { name: /^Attack source 81\.2\.69\.142 \(London, United Kingdom\): 1 attack/ })).toBeInTheDocument();
    expect(screen.queryByRole("img", { name: /192\.168\.1\.9/ })).not.toBeInTheDocument();
    expect(screen.getByLabelText("Located events")).toHaveTextContent("2");
    await vi.waitFor(() => expect(screen.getByLabelText("Events with an address not located")).toHaveTextContent("3"));
    await vi.waitFor(() => expect(screen.getByLabelText("Critical located events")).toHaveTextContent("1"));
    const countries = screen.getByRole("list", { name: "Top source countries" });
    expect(within(countries).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["GBUnited Kingdom1", "SESweden1"]);
    const latest = screen.getByRole("table", { name: "Latest located events" });
    expect(within(latest).getAllByText("private network")).toHaveLength(2);
    expect(within(latest).getAllByRole("row")).toHaveLength(3);
  });

  it("draws live attacks as they arrive, never one without coordinates", async () => {
    serve(summary({ total: 1, with_location: 1, attacks: [attack("a-1")], top_source_countries: [{ term: "GB", count: 1 }] }));
    renderWithProviders(<ThreatMapPage />, { route: "/threat-map", me: makeMe() });
    await vi.waitFor(() => expect(WS.instances).toHaveLength(1));
    const ws = WS.latest();
    act(() => ws.open());
    expect(ws.sent).toEqual([{ type: "subscribe", channels: ["threatmap", "security:events"] }]);
    act(() => {
      ws.receive({
        channel: "threatmap",
        type: "attack",
        data: attack("live-1", { destination: { ip: "2.125.160.216", lat: 51.75, lon: -1.25, has_location: true, country_iso_code: "GB", country_name: "United Kingdom" } }),
      });
      ws.receive({ channel: "threatmap", type: "attack", data: attack("live-2", { source: { ip: "10.9.9.9", ...nowhere }, destination: { ip: "10.0.0.1", ...nowhere } }) });
      // The summary's own attack again: not counted twice.
      ws.receive({ channel: "threatmap", type: "attack", data: attack("a-1") });
      ws.receive({ channel: "security:events", type: "event", data: makeEvent({ id: "ev-private", "@timestamp": recent, fields: { source: { ip: "10.9.9.9" } } }) });
      ws.receive({ channel: "security:events", type: "event", data: makeEvent({ id: "live-1", "@timestamp": recent }) });
      // Without any address there is nothing to place: not "not located".
      ws.receive({ channel: "security:events", type: "event", data: makeEvent({ id: "ev-no-ip", "@timestamp": recent, fields: { message: "cron ran" } }) });
      // Stamped long before the range: neither drawn nor counted.
      ws.receive({ channel: "threatmap", type: "attack", data: attack("old", { time: "2019-01-01T00:00:00Z", severity_label: "critical", source: sweden.source }) });
      ws.receive({ channel: "security:events", type: "event", data: makeEvent({ id: "ev-old", "@timestamp": "2019-01-01T00:00:00Z", fields: { source: { ip: "10.9.9.8" } } }) });
    });
    const arc = await screen.findByRole("img", { name: /^Live attack from 81\.2\.69\.142 \(London, United Kingdom\) to 2\.125\.160\.216/ });
    expect(arc.querySelector("path")).not.toBeNull();
    expect(screen.getAllByRole("img", { name: /^Live attack/ })).toHaveLength(1);
    expect(screen.getByLabelText("Located events")).toHaveTextContent("2");
    expect(screen.getByLabelText("Events with an address not located")).toHaveTextContent("1");
    expect(screen.getByLabelText("Critical located events")).toHaveTextContent("1");
    expect(screen.queryByText(/2019/)).not.toBeInTheDocument();
  });

  it("lists the latest located events newest first, live or not, and a dash for a missing action", async () => {
    const older = new Date(Date.now() - 3600_000).toISOString();
    serve(summary({ total: 2, with_location: 2, attacks: [attack("a-1", { time: recent }), attack("a-2", { time: older, action: undefined, dataset: "nginx.access" })] }));
    renderWithProviders(<ThreatMapPage />, { route: "/threat-map", me: makeMe() });
    await vi.waitFor(() => expect(WS.instances).toHaveLength(1));
    const ws = WS.latest();
    act(() => ws.open());
    // Arrives now, but stamped between the two.
    const between = new Date(Date.now() - 1800_000).toISOString();
    act(() => ws.receive({ channel: "threatmap", type: "attack", data: attack("live-1", { time: between, action: "vpn_login", source: sweden.source }) }));
    const latest = screen.getByRole("table", { name: "Latest located events" });
    await vi.waitFor(() => expect(within(latest).getAllByRole("row")).toHaveLength(4));
    const actions = within(latest)
      .getAllByRole("row")
      .slice(1)
      .map((r) => within(r).getAllByRole("cell")[4]?.textContent);
    expect(actions).toEqual(["ssh_login", "vpn_login", "—"]);
    expect(within(latest).getAllByRole("row")[2]).toHaveClass("row-live");
    expect(within(latest).getByRole("columnheader", { name: /^Time \(UTC/ })).toBeInTheDocument();
  });

  it("leads to Events over its range: a row to its event, a country to its events, a mark to its address's", async () => {
    serve(
      summary({
        total: 2,
        with_location: 2,
        attacks: [attack("a-1"), sweden],
        top_source_countries: [
          { term: "GB", count: 1 },
          { term: "SE", count: 1 },
        ],
      }),
    );
    const user = userEvent.setup();
    const { location } = renderWithProviders(<ThreatMapPage />, { route: "/threat-map?range=7d", me: makeMe() });
    const latest = await screen.findByRole("table", { name: "Latest located events" });
    const atEvents = (q: Record<string, string>) => {
      expect(location.pathname).toBe("/events");
      expect(Object.fromEntries(location.search)).toEqual(q);
    };

    // A row: a click anywhere on it, or its link from the keyboard.
    const row = within(latest).getAllByRole("row")[2] as HTMLElement;
    expect(row).toHaveTextContent("89.160.20.112");
    await user.click(within(row).getAllByRole("cell")[3] as HTMLElement);
    atEvents({ range: "7d", event: "a-2" });
    const link = within(latest).getAllByRole("link", { name: /^Open the event of .* from 81\.2\.69\.142 in Events$/ })[0] as HTMLElement;
    expect(link).toHaveAttribute("href", "/events?range=7d&event=a-1");
    link.focus();
    await user.keyboard("{Enter}");
    atEvents({ range: "7d", event: "a-1" });

    // A country, with the map's range.
    const countries = screen.getByRole("list", { name: "Top source countries" });
    const se = within(countries).getByRole("link", { name: /Sweden/ });
    expect(se).toHaveAttribute("href", "/events?q=source.geo.country_iso_code%3ASE&range=7d");
    await user.click(se);
    atEvents({ q: "source.geo.country_iso_code:SE", range: "7d" });

    // A source's mark on the map.
    const mark = screen.getByRole("link", { name: "Events from 81.2.69.142" });
    expect(within(mark).getByRole("img", { name: /^Attack source 81\.2\.69\.142/ })).toBeInTheDocument();
    mark.focus();
    expect(mark).toHaveFocus();
    await user.click(mark);
    atEvents({ q: 'source.ip:"81.2.69.142"', range: "7d" });
  });

  it("draws the source alone when the destination has no place", async () => {
    serve(summary({ total: 1, with_location: 1, attacks: [attack("a-1")] }));
    renderWithProviders(<ThreatMapPage />, { route: "/threat-map", me: makeMe() });
    await vi.waitFor(() => expect(WS.instances).toHaveLength(1));
    const ws = WS.latest();
    act(() => ws.open());
    act(() => ws.receive({ channel: "threatmap", type: "attack", data: attack("live-9") }));
    const arc = await screen.findByRole("img", { name: /^Live attack from 81\.2\.69\.142 .* to 10\.0\.0\.5 \(private network\)/ });
    expect(arc.querySelector("path")).toBeNull();
    expect(arc.querySelectorAll("circle").length).toBeGreaterThan(0);
  });

  it("leaves NO LIVE TELEMETRY when the first located attack arrives live", async () => {
    serve(summary());
    renderWithProviders(<ThreatMapPage />, { route: "/threat-map", me: makeMe() });
    await screen.findByText("NO LIVE TELEMETRY");
    await vi.waitFor(() => expect(WS.instances).toHaveLength(1));
    const ws = WS.latest();
    act(() => ws.open());
    act(() => ws.receive({ channel: "threatmap", type: "attack", data: sweden }));
    await vi.waitFor(() => expect(screen.queryByText("NO LIVE TELEMETRY")).not.toBeInTheDocument());
    expect(screen.getByLabelText("Located events")).toHaveTextContent("1");
  });
});
