# mjhook: every target CI runs can be run here under the same name.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO ?= go

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: demo
demo: ## Start a receiver, simulate job lifecycles against it, show the events, exit
	$(GO) run ./tools/mjhook demo

.PHONY: generate
generate: ## Regenerate gen/ from spec/asyncapi.yaml (go generate ./...)
	$(GO) generate ./...

.PHONY: check-generate
check-generate: generate ## Regenerate and fail if gen/ differs from what is committed
	@changed="$$(git status --porcelain --untracked-files=all -- gen)"; \
	if [ -n "$$changed" ]; then \
		echo "Generated files are out of date. Please run make generate (go generate ./...) and commit the results:"; \
		echo "$$changed" | sed 's/^/  /'; \
		exit 1; \
	fi

.PHONY: lint
lint: ## gofmt, go vet and go mod tidy -diff
	@unformatted="$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff

.PHONY: golden
golden: ## Rewrite the golden files of the tests named *Golden* (UPDATE_GOLDEN=1), then review git diff
	UPDATE_GOLDEN=1 $(GO) test -count=1 -run Golden ./...

.PHONY: test
test: ## Run every test with the race detector
	$(GO) test -race ./...

# Fuzz targets, as package:Target; fuzz-smoke runs each briefly in CI.
FUZZ_TARGETS := ./pkg/webhook:FuzzSignatureHeader ./pkg/webhook:FuzzValidate ./pkg/webhook:FuzzHandler \
	./pkg/webhook:FuzzValidatorsAgree ./pkg/webhook:FuzzDeliveredIsValidated
FUZZTIME ?= 3s

.PHONY: fuzz-smoke
fuzz-smoke: ## Run each fuzz target for FUZZTIME (3s)
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "go test -fuzz $$name $$pkg -fuzztime $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

.PHONY: fuzz
fuzz: ## Run each fuzz target for minutes (FUZZTIME=2m)
	$(MAKE) fuzz-smoke FUZZTIME=2m

.PHONY: bench
bench: ## Benchmarks, floors, peers and load in one run; prints one report (not part of ci)
	cd internal/peers && $(GO) vet ./...
	$(GO) run ./tools/mjhook-bench

.PHONY: ci
ci: check-generate lint test fuzz-smoke ## What CI runs: drift check, lint, tests, brief fuzzing
