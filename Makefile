# Build, test and run the CartRover ↔ Connected Business Order Manager.
# `make help` lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO            ?= go
BIN           := $(CURDIR)/bin
TOOLS         := $(CURDIR)/.tools
TEMPORAL      := $(BIN)/temporal
# Pinned tool versions (the Makefile installs them itself).
TEMPORAL_CLI_VERSION  := v1.5.1
# The Temporal server the pinned CLI embeds (go version -m bin/temporal | grep go.temporal.io/server):
# make test-cluster runs it on PostgreSQL, with its temporal-sql-tool for the schemas.
TEMPORAL_SERVER_VERSION := v1.29.1
TEMPORAL_SERVER := $(BIN)/temporal-server
TEMPORAL_SQL_TOOL := $(BIN)/temporal-sql-tool
# PostgreSQL major version of the cluster test (Debian's postgresql-NN package).
PG_MAJOR      ?= 15
# Version stamped into the binaries (worker --version, starter --version).
VERSION       ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS       := -X github.com/cartrover-cb/ordermanager/internal/version.Version=$(VERSION)
CLUSTER_TIMEOUT ?= 20m
# staticcheck 2025.1.1 is module version v0.6.1.
STATICCHECK_VERSION   := v0.6.1
WORKFLOWCHECK_VERSION := v0.6.0
# promtool validates and unit-tests deploy/monitoring/alerts.yaml (built from the Go module proxy).
PROMETHEUS_VERSION    := v0.305.0
TEST_TIMEOUT  ?= 15m
BENCHFLAGS    ?= -benchtime=1x
# BENCH_SCALE shrinks the product bench's sizes (1 = the goals' sizes, about 30 minutes on a busy 2-core machine).
BENCH_SCALE   ?= 1
# The binaries: every directory among these that holds a main.go.
MAINS         := $(foreach d,worker starter,$(if $(wildcard $(d)/main.go),$(d)))

.PHONY: help build temporal temporal-server postgres test test-cluster lint bench run clean tools go-version promtool

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

build: ## build the binaries (worker, starter) into ./bin
	@mkdir -p $(BIN)
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/ $(addprefix ./,$(MAINS))

temporal: ## build the pinned Temporal CLI (dev server) into ./bin (several minutes the first time)
	@if [ -x $(TEMPORAL) ] && $(GO) version -m $(TEMPORAL) 2>/dev/null | grep -Eq 'mod[[:space:]]+github.com/temporalio/cli[[:space:]]+$(TEMPORAL_CLI_VERSION)'; then \
		echo "Temporal CLI $(TEMPORAL_CLI_VERSION) already in ./bin"; \
	else \
		echo "Building the Temporal CLI $(TEMPORAL_CLI_VERSION) into ./bin (the first build takes several minutes)..."; \
		mkdir -p $(BIN); \
		time GOBIN=$(BIN) $(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION); \
	fi

temporal-server: ## build the Temporal server and temporal-sql-tool the CLI embeds into ./bin (several minutes the first time)
	@embedded="$$( [ -x $(TEMPORAL) ] && $(GO) version -m $(TEMPORAL) 2>/dev/null | awk '$$1=="dep" && $$2=="go.temporal.io/server" {print $$3}' || true)"; \
	if [ -n "$$embedded" ] && [ "$$embedded" != "$(TEMPORAL_SERVER_VERSION)" ]; then \
		echo "TEMPORAL_SERVER_VERSION is $(TEMPORAL_SERVER_VERSION) but the pinned CLI embeds server $$embedded: set it to $$embedded in the Makefile"; exit 1; \
	fi
	@if [ -x $(TEMPORAL_SERVER) ] && [ -x $(TEMPORAL_SQL_TOOL) ] && \
	    $(GO) version -m $(TEMPORAL_SERVER) 2>/dev/null | grep -Eq 'mod[[:space:]]+go.temporal.io/server[[:space:]]+$(TEMPORAL_SERVER_VERSION)' && \
	    $(GO) version -m $(TEMPORAL_SQL_TOOL) 2>/dev/null | grep -Eq 'mod[[:space:]]+go.temporal.io/server[[:space:]]+$(TEMPORAL_SERVER_VERSION)'; then \
		echo "Temporal server $(TEMPORAL_SERVER_VERSION) already in ./bin"; \
	else \
		echo "Building the Temporal server and temporal-sql-tool $(TEMPORAL_SERVER_VERSION) into ./bin (the first build takes several minutes)..."; \
		mkdir -p $(BIN); tmp="$$(mktemp -d)"; \
		time GOBIN="$$tmp" $(GO) install go.temporal.io/server/cmd/server@$(TEMPORAL_SERVER_VERSION) go.temporal.io/server/cmd/tools/sql@$(TEMPORAL_SERVER_VERSION); \
		mv "$$tmp/server" $(TEMPORAL_SERVER); mv "$$tmp/sql" $(TEMPORAL_SQL_TOOL); rmdir "$$tmp"; \
	fi

postgres: ## make sure Debian's PostgreSQL (15) is installed (installs it with apt-get under CI)
	@if [ -x /usr/lib/postgresql/$(PG_MAJOR)/bin/initdb ]; then \
		echo "PostgreSQL $(PG_MAJOR) present"; \
	elif [ -n "$${CI:-}" ] && command -v apt-get >/dev/null; then \
		echo "Installing PostgreSQL $(PG_MAJOR) from Debian..."; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql-$(PG_MAJOR); \
	else \
		echo "PostgreSQL $(PG_MAJOR) is missing: sudo apt-get install -y postgresql-$(PG_MAJOR)"; exit 1; \
	fi

test: temporal $(TOOLS)/promtool ## run every test, end-to-end ones against a real dev server
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

test-cluster: build temporal temporal-server postgres ## 1,000 orders on a PostgreSQL-backed Temporal cluster with three workers, kills and restarts
	ORDERMANAGER_CLUSTER_TEST=1 PG_BINDIR=/usr/lib/postgresql/$(PG_MAJOR)/bin \
		$(GO) test -count=1 -v -run '^TestCluster$$' -timeout $(CLUSTER_TIMEOUT) ./internal/clustertest/

bench: temporal ## measure the product against its limits (about 30 min; BENCH_SCALE=0.25 for a quick look), then the micro-benchmarks
	$(GO) run ./bench -scale $(BENCH_SCALE)
	$(GO) test -p 1 -run '^$$' -bench . $(BENCHFLAGS) -timeout $(TEST_TIMEOUT) ./...

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(TOOLS)/workflowcheck:
	GOBIN=$(TOOLS) $(GO) install go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION)

# `go install …@version` refuses Prometheus (its go.mod has replace directives): build it inside
# the downloaded module instead.
$(TOOLS)/promtool:
	@mkdir -p $(TOOLS)
	@echo "Building promtool $(PROMETHEUS_VERSION) into ./.tools (several minutes the first time)..."
	dir="$$($(GO) mod download -json github.com/prometheus/prometheus@$(PROMETHEUS_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p')"; \
	cd "$$dir" && $(GO) build -o $(TOOLS)/promtool ./cmd/promtool

promtool: $(TOOLS)/promtool ## build promtool into ./.tools (alert rule checks and tests)

tools: $(TOOLS)/staticcheck $(TOOLS)/workflowcheck ## install the pinned lint tools into ./.tools

lint: tools ## gofmt check, go vet, staticcheck, workflowcheck over ./workflows
	@unformatted="$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(TOOLS)/staticcheck ./...
	$(TOOLS)/workflowcheck ./workflows/...

run: go-version build temporal ## run everything locally: dev server + Web UI, simulators, worker, default schedules (Ctrl-C stops it)
	$(BIN)/starter dev

# Checked first, before the several-minute builds `make run` starts.
go-version:
	@$(GO) version | grep -Eq 'go1\.(2[6-9]|[3-9][0-9])' || { echo "make run needs Go 1.26 or newer (found: $$($(GO) version))"; exit 1; }

clean: ## remove the built binaries and tools (keeps the Temporal binaries in ./bin unless CLEAN_TEMPORAL=1)
	@find $(BIN) -mindepth 1 -maxdepth 1 $(if $(CLEAN_TEMPORAL),,! -name 'temporal*') -exec rm -rf {} + 2>/dev/null || true
	rm -rf $(TOOLS) .run
	$(GO) clean -testcache
