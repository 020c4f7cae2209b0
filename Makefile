# EventSec: `make run` builds the UI and the server and starts it;
# `make test` runs every test. See README.md.

GO      ?= go
NPM     ?= npm
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BIN     := bin/eventsec
DATA_DIR ?= ./data

# The web UI's sources; the binary embeds web/dist.
UI_SRC := $(shell find web/src web/index.html web/vite.config.ts web/tsconfig.json web/public web/scripts -type f 2>/dev/null | grep -v '/public/swagger-ui/')

.PHONY: run build agent-host ui deps test test-go test-ui e2e agents bench bench-ingest bench-events bench-sqlite bench-sigma bench-detect bench-soc bench-endpoints bench-intel lint fmt clean

run: build ## build everything and start the server on the embedded default
	EVENTSEC_DATA_DIR=$${EVENTSEC_DATA_DIR:-$(DATA_DIR)} ./$(BIN) serve

build: $(BIN) agent-host ## build the UI, the server and this platform's agent

# This machine's agent, so that Endpoints → Add endpoint can offer it for
# download right away (`make agents` builds every platform).
HOST_PLATFORM := $(shell $(GO) env GOOS)-$(shell $(GO) env GOARCH)
agent-host:
	@mkdir -p dist/agents
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(AGENT_LDFLAGS)" -o dist/agents/eventsec-agent-$(HOST_PLATFORM)$(if $(filter windows-%,$(HOST_PLATFORM)),.exe,) ./cmd/eventsec-agent

# YARA matching in the sandbox needs libyara (Debian: libyara-dev); without
# it the server is built without YARA and says so in every report.
GOTAGS ?= $(shell pkg-config --exists yara 2>/dev/null && echo yara)

$(BIN): web/dist/index.html $(shell find cmd internal web -name '*.go' -not -name '*_test.go') go.mod go.sum
	$(GO) build -trimpath -tags "$(GOTAGS)" -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/eventsec

# The endpoint agent for every platform, pure Go (CGO off), into
# dist/agents where the server offers them for download.
AGENT_PLATFORMS := linux-amd64 linux-arm64 windows-amd64 darwin-amd64 darwin-arm64
AGENT_LDFLAGS := -s -w -X main.version=$(VERSION)
agents: ## cross-compile eventsec-agent for Linux, Windows and macOS into dist/agents
	@mkdir -p dist/agents
	@for p in $(AGENT_PLATFORMS); do \
	  os=$${p%-*}; arch=$${p#*-}; ext=; [ $$os = windows ] && ext=.exe; \
	  echo "eventsec-agent $$os/$$arch"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "$(AGENT_LDFLAGS)" -o dist/agents/eventsec-agent-$$p$$ext ./cmd/eventsec-agent || exit 1; \
	done

# npm ci only when package-lock.json changed since the last install.
web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && $(NPM) ci --no-audit --no-fund
	touch $@

web/dist/index.html: web/node_modules/.installed $(UI_SRC)
	cd web && $(NPM) run build

ui: web/dist/index.html ## build the web UI into web/dist

deps: web/node_modules/.installed ## install Go modules and front-end packages
	$(GO) mod download

test: test-go test-ui ## run every test (PostgreSQL tests run when EVENTSEC_TEST_POSTGRES_URL is set)

test-go: web/dist/index.html
	@test -z "$$(gofmt -l cmd internal bench rules web/*.go)" || { echo "gofmt would change:"; gofmt -l cmd internal bench rules web/*.go; exit 1; }
	$(GO) vet -tags "$(GOTAGS)" ./...
	$(GO) test -tags "$(GOTAGS)" -count=1 ./...

test-ui: web/node_modules/.installed
	cd web && $(NPM) test

e2e: build ## browser tests: real eventsec serve (and the real agent) driven by Debian's Chromium
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/eventsec-agent ./cmd/eventsec-agent
	cd web && EVENTSEC_BIN=$(abspath $(BIN)) EVENTSEC_AGENT_BIN=$(abspath bin/eventsec-agent) $(NPM) run e2e

SIGMA ?= ../shared/data/sigma

bench: build ## benchmarks: server start-up/memory/API latency, ingest throughput, Sigma matcher, detection latency
	$(GO) run ./bench/server -bin $(BIN)
	$(GO) run ./bench/ingest -n 200000
	$(GO) run ./bench/sigma -rules $(SIGMA)
	$(GO) run ./bench/detect -bin $(BIN) -rate 5000 -duration 20s -sigma $(SIGMA)
	$(MAKE) bench-soc bench-endpoints bench-intel

bench-soc: ## alerts queue with 1,000,000 alerts (SQLite, and PostgreSQL when EVENTSEC_TEST_POSTGRES_URL is set), bulk acknowledge, notification fan-out
	$(GO) run ./bench/alerts -n 1000000
	@if [ -n "$$EVENTSEC_TEST_POSTGRES_URL" ]; then $(GO) run ./bench/alerts -n 1000000 -postgres "$$EVENTSEC_TEST_POSTGRES_URL"; fi
	$(GO) run ./bench/notify

bench-endpoints: ## 10,000 simulated agents heartbeating against the server, vulnerability matching of 2,000 packages against 100,000 OSV records
	$(GO) run ./bench/agents -agents 10000 -duration 2m
	$(GO) run ./bench/vuln

bench-intel: ## static analysis (10 MB PE, 1,000-file archive), ingest with 1,000,000 live indicators
	$(GO) run ./bench/sandbox -runs 5
	@if [ -d bench/intel ]; then $(GO) run ./bench/intel; fi

bench-sigma: ## the Sigma matcher alone: every SigmaHQ rule, events/s per core and on all cores, vs sigma-go
	$(GO) run ./bench/sigma -rules $(SIGMA)

bench-detect: build ## end-to-end detection latency (HTTP 202 -> alert on the WebSocket) with every SigmaHQ rule loaded
	$(GO) run ./bench/detect -bin $(BIN) -rate 5000 -duration 20s -sigma $(SIGMA)

bench-ingest: build ## ingest throughput only (HTTP NDJSON and syslog TCP against a real server)
	$(GO) run ./bench/ingest -n 200000

bench-events: ## event store: 2M events, bytes/event, query latencies (takes a few minutes)
	$(GO) run ./bench/events

bench-sqlite: ## the measurement behind the choice of SQLite driver
	cd bench/sqlitedriver && $(GO) run .

lint: web/node_modules/.installed ## formatting, vet and type checks
	@test -z "$$(gofmt -l cmd internal bench rules web/*.go)" || { gofmt -l cmd internal bench rules web/*.go; exit 1; }
	$(GO) vet -tags noui ./...
	cd web && $(NPM) run typecheck

fmt:
	gofmt -w cmd internal bench rules web/*.go

clean:
	rm -rf bin web/dist
