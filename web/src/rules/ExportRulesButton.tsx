// Downloads the rules the list's filters select as a ZIP
// (GET /api/v1/rules/export) through the API client, so that the session
// and its refresh work as for every other call, then saves it as a file.

import { useMutation } from "@tanstack/react-query";
import { detectionApi, type RuleQuery } from "../api/detection";
import { formatBytes, saveDownload } from "../events/exportDownload";
import { ErrorMessage } from "../ui/ErrorMessage";

export function ExportRulesButton({ query, count, filtered }: { query: RuleQuery; count: number | undefined; filtered: boolean }) {
  const download = useMutation({
    mutationFn: async () => saveDownload(await detectionApi.exportRules(query), "eventsec-rules.zip"),
  });
  const what = count === undefined ? "the rules" : `${count.toLocaleString()} rule${count === 1 ? "" : "s"}`;
  return (
    <span className="export-rules">
      <button
        type="button"
        className="btn"
        disabled={download.isPending || count === 0}
        onClick={() => download.mutate()}
        title={`Download ${filtered ? `the ${what} matching the filters` : `all ${what}`} as a ZIP of their sources, by pack, with their state (Import pack takes it back)`}
      >
        {download.isPending ? "Exporting…" : "Export"}
      </button>
      {download.isSuccess ? (
        <span className="muted export-rules-done" role="status">
          Saved {download.data.filename} ({formatBytes(download.data.bytes)})
        </span>
      ) : null}
      {download.isError ? <ErrorMessage error={download.error} /> : null}
    </span>
  );
}
