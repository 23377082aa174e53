# mjhook: every target CI runs can be run here under the same name.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO ?= go

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: demo
demo: ## Start a receiver, simulate job lifecycles against it, show the events, exit (UI=1: keep the web inspector up until Ctrl-C)
	$(GO) run ./tools/mjhook demo $(if $(UI),--ui --jobs 50)

.PHONY: generate
generate: ## Regenerate gen/ from spec/asyncapi.yaml (go generate ./...), then the golden files that follow it
	$(GO) generate ./...
	$(MAKE) --no-print-directory golden

.PHONY: golden
golden: ## Rewrite the golden files (gen's API surface, the CLI's outputs) from the code; review the diff
	UPDATE_GOLDEN=1 $(GO) test -count=1 -run 'Golden|APISurface' ./...

.PHONY: check-generate
check-generate: ## Regenerate (make generate) and fail, naming them, if that changed any file: gen/ or golden files out of date
	@snapshot() { git ls-files -z --cached --others --exclude-standard | xargs -0 sha256sum; }; \
	before="$$(snapshot)"; \
	$(MAKE) --no-print-directory generate >/dev/null; \
	changed="$$( { diff <(echo "$$before") <(snapshot) || true; } | awk '/^[<>]/ {print $$3}' | sort -u)"; \
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

.PHONY: test
test: ## Run every test with the race detector
	$(GO) test -race ./...

# Fuzz targets, as package:Target; fuzz-smoke runs each briefly in CI.
# CI's budget is a count of executions, not a duration: Go 1.26's fuzzing
# coordinator can fail a target with a bare "context deadline exceeded"
# when -fuzztime's deadline passes while a starved worker is mid-call
# (go.dev/issue/75804, fixed in Go 1.27); a count has no deadline to race.
FUZZ_TARGETS := ./pkg/webhook:FuzzSignatureHeader ./pkg/webhook:FuzzValidate ./pkg/webhook:FuzzHandler \
	./pkg/webhook:FuzzValidatorsAgree ./pkg/webhook:FuzzDeliveredIsValidated ./internal/jsonvalid:FuzzValidateAgrees ./gen:FuzzDecode
FUZZTIME ?= 10000x

.PHONY: fuzz-smoke
fuzz-smoke: ## Run each fuzz target for FUZZTIME (10,000 executions, 1–5 s each)
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

.PHONY: evolution
evolution: ## The evolution suite: each spec edit of tools/mjhook-gen/testdata/evolution on a copy of the module
	MJHOOK_EVOLUTION=1 $(GO) test -count=1 -timeout 30m -run '^TestEvolution$$' -v ./tools/mjhook-gen

.PHONY: ci
ci: check-generate lint test fuzz-smoke evolution ## What CI runs: drift check, lint, tests, brief fuzzing, the evolution suite
