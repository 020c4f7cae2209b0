// A retro-hunt runs a saved rule over stored history in the background:
// unlike a backtest it has no size limit and may raise real alerts. The
// panel starts one, follows its progress, and cancels it.

import { useMutation, useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Link } from "react-router";
import { detectionApi, type RetroHunt } from "../api/detection";
import type { TimeRange } from "../events/searchState";
import { TimeRangePicker } from "../events/TimeRangePicker";
import { ErrorMessage } from "../ui/ErrorMessage";
import { backtestRange } from "./TestPanel";

const HUNT_PRESETS = ["24h", "7d", "30d"] as const;

interface Props {
  ruleId: string;
  /** Why a hunt cannot start now (unsaved changes, no permission); null when it can. */
  blocked: string | null;
}

export function RetroHuntPanel({ ruleId, blocked }: Props) {
  const id = useId();
  const [range, setRange] = useState<TimeRange>({ kind: "preset", preset: "7d" });
  const [raise, setRaise] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);

  const start = useMutation({
    mutationFn: () => detectionApi.startRetroHunt(ruleId, { ...backtestRange(range), raise_alerts: raise }),
    onSuccess: (job) => setJobId(job.id),
  });
  const job = useQuery({
    queryKey: ["retrohunt", jobId],
    queryFn: ({ signal }) => detectionApi.getRetroHunt(jobId ?? "", signal),
    enabled: jobId !== null,
    refetchInterval: (q) => (q.state.data && q.state.data.status !== "running" ? false : 1000),
  });
  const cancel = useMutation({ mutationFn: () => detectionApi.cancelRetroHunt(jobId ?? ""), onSuccess: () => job.refetch() });
  const running = job.data?.status === "running" || start.isPending;

  return (
    <section className="card editor-card" aria-labelledby={`${id}-title`}>
      <div className="card-head">
        <h2 id={`${id}-title`}>Retro-hunt</h2>
        <span className="muted card-head-note">Runs the saved rule over stored history in the background, with no size limit.</span>
      </div>
      <div className="test-panel">
        <TimeRangePicker range={range} onChange={setRange} presets={HUNT_PRESETS} />
        <label className="check-line">
          <input type="checkbox" checked={raise} onChange={(e) => setRaise(e.target.checked)} disabled={running} />
          Raise alerts for what it finds (deduplicated like live alerts)
        </label>
      </div>
      <div className="test-run">
        <button type="button" className="btn btn-primary" onClick={() => start.mutate()} disabled={running || blocked !== null} title={blocked ?? undefined}>
          {running ? "Hunting…" : "Start retro-hunt"}
        </button>
        {job.data?.status === "running" ? (
          <button type="button" className="btn" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
            Cancel
          </button>
        ) : null}
        {blocked ? <span className="muted">{blocked}</span> : null}
      </div>
      {start.isError ? <ErrorMessage error={start.error} /> : null}
      {cancel.isError ? <ErrorMessage error={cancel.error} /> : null}
      {job.isError ? <ErrorMessage error={job.error} /> : null}
      {job.data ? <HuntStatus hunt={job.data} /> : null}
    </section>
  );
}

/**
 * What a hunt that raises alerts stored: new alerts, and results that
 * folded into open alerts (repeats of live ones or of an earlier hunt's).
 */
function raisedText(hunt: RetroHunt): string {
  const n = hunt.alerts_created;
  const f = hunt.alerts_folded;
  const folded = f > 0 ? `, ${f.toLocaleString()} repeat${f === 1 ? "" : "s"} folded into open alerts` : "";
  return `, ${n.toLocaleString()} new alert${n === 1 ? "" : "s"}${folded}`;
}

function HuntStatus({ hunt }: { hunt: RetroHunt }) {
  const pct = Math.round(hunt.progress * 100);
  const counts = `${hunt.scanned.toLocaleString()} of ${hunt.total.toLocaleString()} events scanned`;
  const alerts = hunt.raise_alerts ? raisedText(hunt) : "";
  return (
    <div className="test-result" role="status" aria-label="Retro-hunt status">
      {hunt.status === "running" ? (
        <>
          <progress max={100} value={pct} aria-label="Retro-hunt progress">
            {pct}%
          </progress>
          <p>
            Running: {counts}
            {alerts}.
          </p>
        </>
      ) : null}
      {hunt.status === "done" ? (
        <p>
          Done: {hunt.scanned.toLocaleString()} events scanned, {(hunt.result?.matched ?? 0).toLocaleString()} matched
          {hunt.raise_alerts ? raisedText(hunt) : `; it would have raised ${(hunt.result?.alerts ?? 0).toLocaleString()} alert${hunt.result?.alerts === 1 ? "" : "s"}`}
          .{" "}
          {hunt.raise_alerts && hunt.alerts_created + hunt.alerts_folded > 0 ? <Link to={`/alerts?rule=${encodeURIComponent(hunt.rule_id)}`}>Open them in Alerts</Link> : null}
        </p>
      ) : null}
      {hunt.status === "cancelled" ? (
        <p>
          Cancelled after {counts}
          {alerts}; alerts raised so far stay.
        </p>
      ) : null}
      {hunt.status === "failed" ? <p className="field-error">Failed: {hunt.error}</p> : null}
    </div>
  );
}
