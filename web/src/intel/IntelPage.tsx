// The Threat Intel page: KPIs (indicators by type, feeds, sightings of the
// last 24 hours) and three tabs: Indicators, Sightings, Feeds. The tab is in
// the URL (?tab=) so that it survives a reload and can be linked.

import { useSearchParams } from "react-router";
import { hasPermission, useCurrentUser } from "../app/session";
import { ErrorMessage } from "../ui/ErrorMessage";
import { useDocumentTitle } from "../ui/useDocumentTitle";
import { FeedsTab } from "./FeedsTab";
import { IndicatorsTab } from "./IndicatorsTab";
import { TYPE_LABELS, useIntelSummary, type IntelSummary } from "./intelApi";
import { SightingsTab } from "./SightingsTab";
import "./intel.css";

const TABS = [
  { id: "indicators", label: "Indicators" },
  { id: "sightings", label: "Sightings" },
  { id: "feeds", label: "Feeds" },
] as const;
type TabId = (typeof TABS)[number]["id"];

export default function IntelPage() {
  useDocumentTitle("Threat Intel");
  const me = useCurrentUser();
  const writable = hasPermission(me, "intel:write");
  const [params, setParams] = useSearchParams();
  const tab: TabId = TABS.some((t) => t.id === params.get("tab")) ? (params.get("tab") as TabId) : "indicators";
  const summary = useIntelSummary();

  return (
    <div className="page intel-page">
      <header className="page-header">
        <h1>Threat Intel</h1>
        <p className="page-subtitle">
          Indicators of compromise matched against every event as it arrives; a match enriches the event, raises an alert and is recorded as a sighting.
        </p>
      </header>
      {summary.isError ? <ErrorMessage error={summary.error} /> : <Kpis summary={summary.data} />}
      <div className="tabs" role="tablist" aria-label="Threat intel views">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`intel-tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`intel-panel-${t.id}`}
            className={tab === t.id ? "tab active" : "tab"}
            onClick={() => setParams((prev) => {
              const next = new URLSearchParams(prev);
              next.set("tab", t.id);
              return next;
            })}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`intel-panel-${tab}`} aria-labelledby={`intel-tab-${tab}`}>
        {tab === "indicators" ? <IndicatorsTab writable={writable} /> : null}
        {tab === "sightings" ? <SightingsTab /> : null}
        {tab === "feeds" ? <FeedsTab writable={writable} /> : null}
      </div>
    </div>
  );
}

function Kpis({ summary }: { summary: IntelSummary | undefined }) {
  const top = summary
    ? Object.entries(summary.by_type)
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1])
    : [];
  return (
    <div className="kpi-row intel-kpis">
      <section className="card kpi" aria-label="Active indicators">
        <span className="kpi-label">Active indicators</span>
        <span className="kpi-value">{summary ? summary.indicators.toLocaleString() : "…"}</span>
        <span className="kpi-note muted">
          {top.length === 0 ? "None yet: add or import some" : top.map(([t, n]) => `${TYPE_LABELS[t] ?? t} ${n.toLocaleString()}`).join(" · ")}
        </span>
      </section>
      <section className={summary && summary.failing_feeds > 0 ? "card kpi kpi-alarm" : "card kpi"} aria-label="Active feeds">
        <span className="kpi-label">Active feeds</span>
        <span className="kpi-value">{summary ? summary.active_feeds : "…"}</span>
        <span className="kpi-note muted">
          {summary ? `${summary.feeds} subscribed${summary.failing_feeds > 0 ? `, ${summary.failing_feeds} failing` : ""}` : ""}
        </span>
      </section>
      <section className="card kpi" aria-label="Sightings in the last 24 hours">
        <span className="kpi-label">Sightings, 24 h</span>
        <span className="kpi-value">{summary ? summary.sightings_24h.toLocaleString() : "…"}</span>
        <span className="kpi-note muted">Events that matched an indicator</span>
      </section>
    </div>
  );
}
