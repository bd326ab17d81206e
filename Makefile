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
# staticcheck 2025.1.1 is module version v0.6.1.
STATICCHECK_VERSION   := v0.6.1
WORKFLOWCHECK_VERSION := v0.6.0
TEST_TIMEOUT  ?= 15m
BENCHFLAGS    ?= -benchtime=1x
# BENCH_SCALE shrinks the product bench's sizes (1 = the goals' sizes, about 30 minutes on a busy 2-core machine).
BENCH_SCALE   ?= 1
# The binaries: every directory among these that holds a main.go.
MAINS         := $(foreach d,worker starter,$(if $(wildcard $(d)/main.go),$(d)))

.PHONY: help build temporal test lint bench run clean tools

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

build: ## build the binaries (worker, starter) into ./bin
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ $(addprefix ./,$(MAINS))

temporal: ## build the pinned Temporal CLI (dev server) into ./bin (several minutes the first time)
	@if [ -x $(TEMPORAL) ] && $(GO) version -m $(TEMPORAL) 2>/dev/null | grep -Eq 'mod[[:space:]]+github.com/temporalio/cli[[:space:]]+$(TEMPORAL_CLI_VERSION)'; then \
		echo "Temporal CLI $(TEMPORAL_CLI_VERSION) already in ./bin"; \
	else \
		echo "Building the Temporal CLI $(TEMPORAL_CLI_VERSION) into ./bin (the first build takes several minutes)..."; \
		mkdir -p $(BIN); \
		time GOBIN=$(BIN) $(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION); \
	fi

test: temporal ## run every test, end-to-end ones against a real dev server
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

bench: temporal ## measure the product against its limits (about 30 min; BENCH_SCALE=0.25 for a quick look), then the micro-benchmarks
	$(GO) run ./bench -scale $(BENCH_SCALE)
	$(GO) test -p 1 -run '^$$' -bench . $(BENCHFLAGS) -timeout $(TEST_TIMEOUT) ./...

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(TOOLS)/workflowcheck:
	GOBIN=$(TOOLS) $(GO) install go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION)

tools: $(TOOLS)/staticcheck $(TOOLS)/workflowcheck ## install the pinned lint tools into ./.tools

lint: tools ## gofmt check, go vet, staticcheck, workflowcheck over ./workflows
	@unformatted="$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(TOOLS)/staticcheck ./...
	$(TOOLS)/workflowcheck ./workflows/...

run: build temporal ## run everything locally: dev server + Web UI, simulators, worker, default schedules (Ctrl-C stops it)
	@$(GO) version | grep -Eq 'go1\.(2[6-9]|[3-9][0-9])' || { echo "make run needs Go 1.26 or newer (found: $$($(GO) version))"; exit 1; }
	$(BIN)/starter dev

clean: ## remove the built binaries and tools (keeps ./bin/temporal unless CLEAN_TEMPORAL=1)
	@find $(BIN) -mindepth 1 -maxdepth 1 $(if $(CLEAN_TEMPORAL),,! -name temporal) -exec rm -rf {} + 2>/dev/null || true
	rm -rf $(TOOLS) .run
	$(GO) clean -testcache
