import { defineConfig } from "vitest/config";

// The Go server listens on 8080 by default; `npm run dev` proxies every
// server-owned path there so the UI can be developed against a real server.
const server = "http://127.0.0.1:8080";

export default defineConfig({
  build: {
    outDir: "dist",
    assetsDir: "assets",
    emptyOutDir: true,
    sourcemap: false,
    rolldownOptions: {
      onwarn(warning, warn) {
        // TanStack Query marks its modules "use client" for React Server
        // Components; meaningless in a client-only bundle.
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: {
      // ws: the live channels (GET /api/v1/ws) go through the proxy too.
      "/api": { target: server, ws: true },
      "/healthz": server,
      "/readyz": server,
      "/metrics": server,
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    restoreMocks: true,
    // Form tests type character by character; a busy 2-core CI machine
    // (load 15 measured while builds ran beside it) needs far more than
    // the default 5 s for the longest forms.
    testTimeout: 40_000,
  },
});
