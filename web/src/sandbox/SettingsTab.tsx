// External reputation services, off until an API key is entered. Keys are
// write-only: the server shows their last four characters at most. Admins
// (settings:write) change them and test them.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { hasPermission, useCurrentUser } from "../app/session";
import { ErrorMessage } from "../ui/ErrorMessage";
import { fieldError, FormAlert, TextField } from "../ui/form";
import { sandboxApi, sandboxKeys, useSandboxSettings, type ServiceView, type TestResult } from "./sandboxApi";

export function SettingsTab() {
  const me = useCurrentUser();
  const writable = hasPermission(me, "settings:write");
  const settings = useSandboxSettings();
  if (settings.isError) return <ErrorMessage error={settings.error} />;
  if (!settings.data) return <p role="status">Loading…</p>;
  return (
    <section aria-label="External services">
      <p className="muted">
        When a service is enabled, reports include its verdict on the file's SHA-256, the URL, the domain or the IP, and values are sent to it. Off by default.
      </p>
      {!writable ? <p className="read-only-note">Only administrators change these settings.</p> : null}
      <div className="sandbox-services">
        {settings.data.services.map((s) => (
          <ServiceCard key={s.name} service={s} writable={writable} />
        ))}
      </div>
    </section>
  );
}

function ServiceCard({ service, writable }: { service: ServiceView; writable: boolean }) {
  const client = useQueryClient();
  const [key, setKey] = useState("");
  const [baseURL, setBaseURL] = useState(service.base_url);
  const [enabled, setEnabled] = useState(service.enabled);
  const [result, setResult] = useState<TestResult | null>(null);
  const prefix = `services.${service.name}.`;
  const save = useMutation({
    mutationFn: (body: { api_key?: string; enabled?: boolean; base_url?: string }) => sandboxApi.putSettings({ [service.name]: body }),
    onSuccess: (data) => {
      client.setQueryData(sandboxKeys.settings, data);
      setKey("");
      const s = data.services.find((x) => x.name === service.name);
      if (s) setEnabled(s.enabled);
    },
  });
  const test = useMutation({ mutationFn: () => sandboxApi.testService(service.name, key), onSuccess: setResult });
  const body = (): { api_key?: string; enabled: boolean; base_url: string } => (key ? { api_key: key, enabled: enabled || !service.configured, base_url: baseURL } : { enabled, base_url: baseURL });
  return (
    <form
      className="card sandbox-service"
      aria-label={service.title}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(body());
      }}
    >
      <h3>
        {service.title} <span className={service.enabled ? "ext-status ext-harmless" : "muted"}>{service.enabled ? "enabled" : "off"}</span>
      </h3>
      <p className="muted">Looks up: {service.kinds.join(", ")}.</p>
      <TextField
        label="API key"
        type="password"
        autoComplete="off"
        value={key}
        onChange={setKey}
        disabled={!writable}
        placeholder={service.configured ? `saved (${service.key_hint})` : "not set"}
        error={fieldError(save.error, prefix + "api_key")}
      />
      <TextField
        label="Base URL"
        value={baseURL}
        onChange={setBaseURL}
        disabled={!writable}
        placeholder={service.default_url}
        error={fieldError(save.error, prefix + "base_url")}
      />
      <label className="sandbox-check">
        <input type="checkbox" checked={enabled} disabled={!writable} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
      </label>
      <FormAlert error={save.error} fields={[prefix + "api_key", prefix + "base_url"]} />
      {test.isError ? <ErrorMessage error={test.error} /> : null}
      {result ? (
        <p role="status" className={result.ok ? "sandbox-ok" : "sandbox-warn"}>
          {result.ok ? "Test passed: " : "Test failed: "}
          {result.message}
        </p>
      ) : null}
      {writable ? (
        <div className="form-actions">
          {service.configured ? (
            <button type="button" className="btn btn-danger-ghost" onClick={() => save.mutate({ api_key: "", enabled: false })}>
              Remove key
            </button>
          ) : null}
          <button type="button" className="btn" disabled={test.isPending || (!key && !service.configured)} onClick={() => test.mutate()}>
            Test
          </button>
          <button type="submit" className="btn btn-primary" disabled={save.isPending}>
            Save
          </button>
        </div>
      ) : null}
    </form>
  );
}
