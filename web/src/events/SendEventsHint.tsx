import { Link } from "react-router";

/** How to send a first event: an ingest API key and one curl command. */
export function SendEventsHint({ canManageKeys }: { canManageKeys: boolean }) {
  const origin = typeof window === "undefined" ? "http://localhost:8080" : window.location.origin;
  const example = [
    `curl -X POST ${origin}/api/v1/events \\`,
    `  -H "Authorization: Bearer esk_…" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '{"message":"Failed password for root from 81.2.69.142 port 4242 ssh2","host":{"name":"web-1"}}'`,
  ].join("\n");
  return (
    <div className="send-hint">
      <p>
        Send events with an API key of the <strong>Ingest</strong> role
        {canManageKeys ? (
          <>
            {" "}
            (create one in <Link to="/admin/api-keys">Administration → API keys</Link>)
          </>
        ) : (
          " (an admin creates one in Administration → API keys)"
        )}
        , for example:
      </p>
      <pre className="code-block" aria-label="Example: send an event with curl">
        {example}
      </pre>
      <p className="muted">
        JSON objects, arrays and NDJSON are accepted, as are syslog, Splunk HEC and Elasticsearch <code>_bulk</code>. See the{" "}
        <a href="/api/docs">API documentation</a>.
      </p>
    </div>
  );
}
