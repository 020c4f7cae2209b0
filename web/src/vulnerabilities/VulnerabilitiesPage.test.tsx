import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, makeMe, renderWithProviders, stubFetch, type Call } from "../test/helpers";
import type { ImportResult, VulnDetail, VulnPage, VulnRow, VulnStats } from "./api";
import { VulnerabilitiesPage } from "./VulnerabilitiesPage";

afterEach(() => vi.unstubAllGlobals());

const READ = ["self", "endpoints:read"];
const WRITE = [...READ, "vulns:write"];

function row(over: Partial<VulnRow> = {}): VulnRow {
  return {
    id: "CVE-2023-5363",
    cve: "CVE-2023-5363",
    advisories: ["DEBIAN-CVE-2023-5363", "DSA-9001-1"],
    aliases: [],
    summary: "Incorrect cipher key and IV length processing",
    severity: "high",
    score: 7.5,
    packages: ["libssl3", "openssl"],
    fixed_versions: ["3.0.11-1~deb12u2"],
    ecosystems: ["Debian:12"],
    affected_endpoints: 1,
    findings: 2,
    ...over,
  };
}

const DB = { advisories: 4, affected_packages: 4, ecosystems: { Debian: 3, npm: 1 }, unmatchable: 0, last_modified: null, updated_at: "2026-11-23T10:00:00Z", saved: true, last_import: null };

const STATS: VulnStats = {
  computed_at: "2026-11-23T10:00:00Z",
  endpoints: 2,
  endpoints_with_software: 2,
  affected_endpoints: 2,
  vulnerabilities: 2,
  findings: 3,
  by_severity: { critical: 1, high: 1, medium: 0, low: 0, unknown: 0 },
  findings_by_severity: { critical: 2, high: 1, medium: 0, low: 0, unknown: 0 },
  top_packages: [],
  top_endpoints: [],
  database: DB,
};

function page(items: VulnRow[], available = true): VulnPage {
  return { items, total: items.length, available, computed_at: "2026-11-23T10:00:00Z", database: { advisories: available ? 4 : 0, updated_at: null } };
}

const DETAIL: VulnDetail = {
  vulnerability: row(),
  records: [
    {
      id: "DEBIAN-CVE-2023-5363",
      aliases: ["CVE-2023-5363"],
      related: [],
      summary: "Incorrect cipher key and IV length processing",
      details: "",
      published: null,
      modified: "2024-01-11T00:00:00Z",
      severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N" }],
      references: [{ type: "WEB", url: "https://security-tracker.debian.org/tracker/CVE-2023-5363" }],
      packages: [{ ecosystem: "Debian:12", name: "openssl", severity: "high", score: 7.5, severity_source: "CVSS 3.1 base score 7.5" }],
    },
  ],
  affected: [
    {
      endpoint_id: "ep-1",
      endpoint_name: "web-01",
      hostname: "web-01",
      platform: "debian",
      platform_version: "12",
      advisory_id: "DEBIAN-CVE-2023-5363",
      package: "libssl3",
      installed_version: "3.0.11-1~deb12u1",
      fixed_version: "3.0.11-1~deb12u2",
      ecosystem: "Debian:12",
      severity: "high",
      score: 7.5,
      severity_source: "CVSS 3.1 base score 7.5",
      reason: "libssl3 3.0.11-1~deb12u1 (source package openssl) is in [introduced 0, fixed 3.0.11-1~deb12u2) of Debian:12",
    },
  ],
};

function server(items: VulnRow[], available = true) {
  return (call: Call) => {
    if (call.url.startsWith("/api/v1/vulnerabilities/stats")) return json(200, STATS);
    if (call.url.startsWith("/api/v1/vulnerabilities/CVE-2023-5363")) return json(200, DETAIL);
    if (call.url.startsWith("/api/v1/vulnerabilities")) return json(200, page(items, available));
    return json(404, { error: { code: "not_found", message: "no" } });
  };
}

describe("VulnerabilitiesPage", () => {
  it("refuses a role without endpoints:read", () => {
    stubFetch(() => json(500, {}));
    renderWithProviders(<VulnerabilitiesPage />, { me: makeMe({ permissions: ["self"] }) });
    expect(screen.getByRole("heading", { name: "Vulnerabilities" })).toBeInTheDocument();
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
  });

  it("shows KPIs and one row per CVE; filters go to the query; the drawer says why each endpoint is affected", async () => {
    const crit = row({ id: "DSA-9002-1", cve: "", advisories: ["DSA-9002-1"], severity: "critical", score: 9.8, packages: ["curl"], fixed_versions: ["7.88.1-10+deb12u4"], affected_endpoints: 2 });
    const { calls } = stubFetch(server([crit, row()]));
    const { location } = renderWithProviders(<VulnerabilitiesPage />, { me: makeMe({ permissions: READ }), route: "/vulnerabilities?package=openssl" });
    const table = await screen.findByRole("table", { name: "Vulnerabilities" });
    const cveRow = (await within(table).findByRole("button", { name: "CVE-2023-5363" })).closest("tr");
    expect(cveRow).toHaveTextContent("High 7.5");
    expect(cveRow).toHaveTextContent("libssl3, openssl");
    expect(cveRow).toHaveTextContent("3.0.11-1~deb12u2");
    expect(cveRow).toHaveTextContent("DEBIAN-CVE-2023-5363, DSA-9001-1");
    expect(within(table).getByRole("button", { name: "2 endpoints affected by DSA-9002-1" })).toBeInTheDocument();
    const kpis = await screen.findByRole("list", { name: "Vulnerabilities by severity" });
    expect(within(kpis).getByRole("button", { name: /Critical\s*1/ })).toBeInTheDocument();
    expect(kpis).toHaveTextContent("Affected endpoints2of 2");
    expect(calls.find((c) => c.url.startsWith("/api/v1/vulnerabilities?"))?.url).toContain("package=openssl");
    expect(screen.queryByRole("button", { name: "Import OSV data" })).not.toBeInTheDocument();

    const user = userEvent.setup();
    await user.click(within(kpis).getByRole("button", { name: /Critical/ }));
    expect(location.search.get("severity")).toBe("critical");
    expect(calls.some((c) => c.url.includes("severity=critical"))).toBe(true);

    await user.click(within(table).getByRole("button", { name: "CVE-2023-5363" }));
    const drawer = await screen.findByRole("dialog", { name: "CVE-2023-5363" });
    const affected = await within(drawer).findByRole("table", { name: "Affected endpoints" });
    expect(within(affected).getByRole("link", { name: "web-01" })).toHaveAttribute("href", "/endpoints/ep-1");
    expect(affected).toHaveTextContent("(source package openssl) is in [introduced 0, fixed 3.0.11-1~deb12u2) of Debian:12");
    expect(within(drawer).getByRole("link", { name: /security-tracker/ })).toBeInTheDocument();
    expect(location.search.get("vuln")).toBe("CVE-2023-5363");
  });

  it("says how to get data when the database is empty", async () => {
    stubFetch(server([], false));
    renderWithProviders(<VulnerabilitiesPage />, { me: makeMe({ permissions: WRITE }) });
    expect(await screen.findByRole("heading", { name: "No vulnerability data yet" })).toBeInTheDocument();
    expect(screen.getByText("Nothing to match against yet.")).toBeInTheDocument();
  });

  it("imports OSV files and shows the server's report per file", async () => {
    const result: ImportResult = {
      records: 3,
      database: { ...DB, advisories: 3 },
      files: [
        { name: "debian.json", documents: 1, records: 3, added: 3, updated: 0, unchanged: 0, older: 0, withdrawn: 0, removed: 0, skipped: 0, errors: [], warnings: [], errors_dropped: 0, warnings_dropped: 0, duration_ms: 4, error: "" },
        {
          name: "broken.json", documents: 1, records: 0, added: 0, updated: 0, unchanged: 0, older: 0, withdrawn: 0, removed: 0, skipped: 0,
          errors: [{ file: "broken.json", path: "", offset: 27, reason: "unexpected end of JSON input", message: "broken.json (byte 27): unexpected end of JSON input" }],
          warnings: [], errors_dropped: 0, warnings_dropped: 0, duration_ms: 1, error: "no vulnerability record imported: broken.json (byte 27): unexpected end of JSON input",
        },
      ],
    };
    const base = server([row()]);
    const { calls } = stubFetch((call) => (call.url === "/api/v1/vulnerabilities/import" && call.method === "POST" ? json(200, result) : base(call)));
    renderWithProviders(<VulnerabilitiesPage />, { me: makeMe({ permissions: WRITE }) });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Import OSV data" }));
    const dialog = screen.getByRole("dialog", { name: "Import OSV data" });
    const files = [new File(['[{"id":"DSA-9001-1"}]'], "debian.json", { type: "application/json" }), new File(['{"id":'], "broken.json", { type: "application/json" })];
    await user.upload(within(dialog).getByLabelText("OSV files"), files);
    await user.click(within(dialog).getByRole("button", { name: "Import" }));
    const good = await within(dialog).findByRole("article", { name: "Report for debian.json" });
    expect(good).toHaveTextContent("3 records read: 3 new, 0 updated");
    const bad = within(dialog).getByRole("article", { name: "Report for broken.json" });
    expect(within(bad).getByRole("alert")).toHaveTextContent("no vulnerability record imported");
    expect(bad).toHaveTextContent("broken.json (byte 27): unexpected end of JSON input");
    expect(within(dialog).getByText(/holds/)).toHaveTextContent("The database now holds 3 advisories.");
    const post = calls.find((c) => c.method === "POST");
    expect(post?.url).toBe("/api/v1/vulnerabilities/import");
  });

  it("shows the per-file report when the server refuses an import that read nothing", async () => {
    const details: ImportResult = {
      records: 0,
      database: { ...DB, advisories: 0 },
      files: [{ name: "notes.json", documents: 1, records: 0, added: 0, updated: 0, unchanged: 0, older: 0, withdrawn: 0, removed: 0, skipped: 0, errors: [{ file: "notes.json", path: "", offset: 0, reason: "not JSON", message: "notes.json (byte 0): not JSON" }], warnings: [], errors_dropped: 0, warnings_dropped: 0, duration_ms: 0, error: "no vulnerability record imported" }],
    };
    const base = server([], false);
    stubFetch((call) =>
      call.url === "/api/v1/vulnerabilities/import"
        ? json(400, { error: { code: "nothing_imported", message: "no OSV record could be read from the upload; see details for each file", field: "file", details } })
        : base(call),
    );
    renderWithProviders(<VulnerabilitiesPage />, { me: makeMe({ permissions: WRITE }) });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Import OSV data" }));
    const dialog = screen.getByRole("dialog", { name: "Import OSV data" });
    await user.upload(within(dialog).getByLabelText("OSV files"), new File(["hello"], "notes.json", { type: "application/json" }));
    await user.click(within(dialog).getByRole("button", { name: "Import" }));
    expect(await within(dialog).findByText(/no OSV record could be read/)).toBeInTheDocument();
    expect(within(dialog).getByRole("article", { name: "Report for notes.json" })).toHaveTextContent("notes.json (byte 0): not JSON");
  });
});
