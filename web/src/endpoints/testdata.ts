// Records as the server answers them, for the component tests.

import type { Endpoint } from "./api";

export function makeEndpoint(over: Partial<Endpoint> = {}): Endpoint {
  return {
    id: "ep-1",
    name: "web-01",
    hostname: "web-01",
    status: "online",
    os: "linux",
    platform: "debian",
    platform_version: "12",
    arch: "amd64",
    agent_version: "0.9.0",
    owner: "Ana",
    location: "Madrid DC",
    group: "servers",
    tags: [],
    isolated: false,
    config_version: 3,
    last_seen: "2026-11-23T10:00:00Z",
    last_ip: "10.1.2.3",
    enrolled_at: "2026-11-01T10:00:00Z",
    updated_at: "2026-11-01T10:00:00Z",
    revoked_at: null,
    facts: { hostname: "web-01", os: "linux", platform: "debian", platform_version: "12", arch: "amd64", agent_version: "0.9.0", ips: ["10.1.2.3"] },
    health: { rss_bytes: 30 << 20, cpu_percent: 0.4, throttled: false, spool_bytes: 0, spool_dropped: 0, events_sent: 10 },
    ...over,
  };
}
