# litsession — Go implementation of Lit Protocol session signatures.
#
#   make demo         build everything, start the local Lit network and serve the demo page
#                     for both protocol generations (make demo NETWORK=naga: naga only)
#   make test         every test: vet, format, unit, conformance vectors, oracle cross-checks, wasm build
#   make conformance  regenerate the vectors with the official SDK and fail on any difference

GO        ?= go
NODE      ?= node
ORACLE    := testdata/oracle
ORACLE_NAGA := testdata/oracle-naga
BIN       := bin
NETWORK   ?= datil

.PHONY: all build test unit vet fmt-check wasm-build oracle-deps oracle-naga-deps naga-abi conformance devnet demo fuzz clean
.PHONY: wasm size size-budget wasm-work secp256k1-test lazyregexp-test browser-tools browser-test package package-test

all: build

build:
	$(GO) build -o $(BIN)/litsession ./cmd/litsession

oracle-deps: $(ORACLE)/node_modules/.package-lock.json

$(ORACLE)/node_modules/.package-lock.json: $(ORACLE)/package.json $(ORACLE)/package-lock.json
	cd $(ORACLE) && npm ci --no-audit --no-fund --loglevel=error

# The official v8 (naga) packages, pinned: conformance/naga_test.go runs them
# against the naga devnet, and devnet/nagaabi/abis.json is extracted from them.
oracle-naga-deps: $(ORACLE_NAGA)/node_modules/.package-lock.json

$(ORACLE_NAGA)/node_modules/.package-lock.json: $(ORACLE_NAGA)/package.json $(ORACLE_NAGA)/package-lock.json
	cd $(ORACLE_NAGA) && npm ci --no-audit --no-fund --loglevel=error

# Regenerate the contract ABIs a naga devnet publishes in networkContext.json
# (TestNagaABIFileIsGenerated fails until this is run after an upgrade).
naga-abi: oracle-naga-deps
	cd $(ORACLE_NAGA) && $(NODE) gen-abi.mjs > ../../devnet/nagaabi/abis.json

test: fmt-check vet wasm-build oracle-deps oracle-naga-deps unit
test: secp256k1-test lazyregexp-test size-budget browser-test package-test

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './$(ORACLE)/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./core/...
	GOOS=js GOARCH=wasm $(GO) vet ./wasm/...

wasm-build:
	GOOS=js GOARCH=wasm $(GO) build ./core/...

unit:
	LITSESSION_REQUIRE_ORACLE=1 LITSESSION_REQUIRE_REDIS=1 $(GO) test -count=1 ./...

# Regenerate every vector with the official SDK, then require that nothing changed
# and that our code still matches them byte for byte.
conformance: oracle-deps oracle-naga-deps
	cd $(ORACLE) && $(NODE) gen-vectors.mjs
	cd $(ORACLE_NAGA) && $(NODE) gen-e2ee-vectors.mjs > ../../core/e2ee/testdata/vectors.json
	cd $(ORACLE_NAGA) && $(NODE) gen-session-vectors.mjs > ../../core/session/testdata/naga-session-sigs.json
	@if ! git diff --quiet -- testdata/vectors core/e2ee/testdata core/session/testdata; then \
		echo "conformance: the official SDK's output differs from the committed vectors:"; \
		git --no-pager diff --stat -- testdata/vectors core/e2ee/testdata core/session/testdata; exit 1; fi
	LITSESSION_REQUIRE_ORACLE=1 $(GO) test -count=1 -run 'Conformance|Oracle' ./...

devnet: build
	$(BIN)/litsession devnet --network $(NETWORK)

# Run every fuzz target of FUZZ_PKGS (go test -list '^Fuzz', by
# internal/fuzzall) for FUZZTIME each; FUZZ_DRY=1 prints the commands only.
# The nightly run is make fuzz FUZZTIME=10m.
FUZZTIME  ?= 60s
FUZZ_PKGS ?= ./...
fuzz:
	GO=$(GO) $(GO) run ./internal/fuzzall -fuzztime $(FUZZTIME) $(if $(FUZZ_DRY),-n) $(FUZZ_PKGS)

clean:
	rm -rf $(BIN)

# ---- browser module (wasm/, js/, index.html, web/) -------------------------

# fmt and math/big are compiled without inlining in the browser modules
# (WASM_GCFLAGS): inlined into their many call sites they cost
# js/lit-session.wasm 26.6 KB gzip (fmt alone 12.7 KB, math/big alone
# 11.1 KB). Neither is on a hot path there: fmt formats error messages,
# math/big decodes ABI words and prices (the curves have their own field
# arithmetic). Our packages keep the compiler's default, as do native
# builds; make size builds its name-section copies with the same flags.
WASM_GCFLAGS := -gcflags=fmt=-l -gcflags=math/big=-l
WASM_FLAGS := -ldflags="-s -w" -trimpath $(WASM_GCFLAGS)
TOOLS      := $(CURDIR)/$(BIN)/tools

# The browser modules are built in a Go workspace (bin/wasmwork/go.work)
# that replaces decred's secp256k1 (imported by go-ethereum/crypto, and so by
# siwe-go) with a copy of the same version from the module cache in which
# wasm/_secp256k1/loadprecomputed.go computes the scalar-base-multiplication
# table instead of unpacking upstream's 698 KB compressed copy (562 KB less
# gzip, and faster to compute in wasm than to unpack), and only once a page
# has needed more than a few k·G: the first ones multiply without the table,
# so no page computes it on its critical path. go.mod and
# native builds are untouched. internal/wasmwork makes the workspace and
# holds the one secp256k1 version the file is written for. make
# secp256k1-test checks the computed table against the published one, entry
# by entry, and runs decred's own tests on the copy.
#
# They are also built with the overlay bin/wasmwork/overlay.json (go build
# -overlay), in which the third-party package-level regexps linked into them
# (lazyVars in internal/wasmwork/lazyregexp.go: siwe-go's message grammar,
# go-ethereum/common's prettyDurationRe) are compiled on first use instead
# of by the package initializers every page runs before its first call:
# each declaration's regexp.MustCompile(pattern) becomes
# lazyMustCompile(regexp.MustCompile, pattern), declared by
# wasm/_lazyregexp/lazyregexp.go, which the overlay adds to the package. The
# go command refuses overlays of files in the module cache, so go.work
# replaces those modules with links to their module cache directories
# (bin/wasmwork/mod/), nothing copied. wasmwork holds the versions the
# patches are written for; wasm/init_test.go fails on any package-level
# regexp left in either module, and make lazyregexp-test runs the patched
# packages' own tests. Every browser build goes through WASM_ENV, whose
# GOFLAGS keeps the go command's own and adds -overlay.
WASM_WORK    := $(CURDIR)/$(BIN)/wasmwork
WASM_ENV      = GOWORK=$(WASM_WORK)/go.work GOFLAGS="$(strip $(shell $(GO) env GOFLAGS) -overlay=$(WASM_WORK)/overlay.json)" GOOS=js GOARCH=wasm

wasm-work:
	GO=$(GO) $(GO) run ./internal/wasmwork -o $(WASM_WORK)

# The computed table equals the published one; decred's own tests pass on it
# (natively, and in wasm under node).
secp256k1-test: wasm-work
	cd $(WASM_WORK)/secp256k1 && GOWORK=off $(GO) test -count=1 ./...
	cd $(WASM_WORK)/secp256k1 && PATH="$$PATH:$$($(GO) env GOROOT)/lib/wasm" GOWORK=off GOOS=js GOARCH=wasm $(GO) test -count=1 ./...

# The own tests of the packages the overlay patches (wasmwork -lazypkgs)
# pass on them, natively and in wasm under node. Left out: siwe-go's
# TestGlobalTestVector, which reads the siwe-js test vectors from a git
# submodule that the published module does not contain (it fails the same
# without the overlay); in its place, natively with the overlay, core/siwe's
# tests, which compare siwe-go's parse with ours on every message of our
# vectors and fuzz seeds.
lazyregexp-test: wasm-work
	pkgs=$$(GO=$(GO) $(GO) run ./internal/wasmwork -lazypkgs) && \
	GOWORK=$(WASM_WORK)/go.work $(GO) test -count=1 -overlay=$(WASM_WORK)/overlay.json -skip '^TestGlobalTestVector$$' $$pkgs ./core/siwe && \
	PATH="$$PATH:$$($(GO) env GOROOT)/lib/wasm" $(WASM_ENV) $(GO) test -count=1 -skip '^TestGlobalTestVector$$' $$pkgs

# js/lit-session.wasm, js/lit-session-pkp.wasm (./wasm/pkp: PKP delegations
# and envelopes, loaded by lit-session.js on the first PKP call) and
# js/wasm_exec.js beside js/lit-session.js, so js/ can be served as is.
# TestDeps (wasm/deps_test.go) first checks what each module may link
# (wasm/deps_rules_test.go: the rules and why).
wasm: wasm-work
	$(GO) test -count=1 -run '^TestDep' ./wasm/
	$(WASM_ENV) $(GO) build $(WASM_FLAGS) -o js/lit-session.wasm ./wasm
	$(WASM_ENV) $(GO) build $(WASM_FLAGS) -o js/lit-session-pkp.wasm ./wasm/pkp
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" js/wasm_exec.js

# The npm package (npm/, README "Install"): npm/stage lays it out in
# bin/npm-package (package.json with internal/version's version, the modules,
# LICENSE, THIRD_PARTY_NOTICES.md), npm pack writes dist/<name>-<version>.tgz;
# the last line printed is its path.
PKG_STAGE := $(BIN)/npm-package
package: wasm
	$(GO) run ./npm/stage -go $(GO) -gowork $(WASM_WORK)/go.work -o $(PKG_STAGE)
	@mkdir -p dist
	@tgz=$$(cd $(PKG_STAGE) && npm pack --silent --pack-destination $(CURDIR)/dist) && echo "$(CURDIR)/dist/$$tgz"

# The package tests (web/package_test.go): fresh apps of
# testdata/package-apps install the tarball and get session signatures from a
# devnet in headless Chromium (plain page, esbuild, Vite build and dev
# server, webpack 5, Rollup) and under Node.js without Go on PATH. They
# install the apps' pinned bundlers from the npm registry.
package-test: package browser-tools
	PATH="$(TOOLS):$$PATH" LITSESSION_PACKAGE=$$(ls -t $(CURDIR)/dist/*.tgz | head -1) $(GO) test -count=1 -v -run '^TestPackage' ./web/

# The browser module's budget, gzip -9 bytes of js/lit-session.wasm (the PKP
# module, loaded only on the first PKP call, has none). size-budget is part
# of make test.
WASM_BUDGET_GZIP ?= 1600000

define SIZE_BUDGET_CHECK
	@gz=$$(gzip -9 -c js/lit-session.wasm | wc -c); \
	if [ "$$gz" -gt $(WASM_BUDGET_GZIP) ]; then \
		echo "size: js/lit-session.wasm is $$gz bytes gzip -9, over its budget of $(WASM_BUDGET_GZIP) by $$((gz - $(WASM_BUDGET_GZIP)));"; \
		echo "      make size lists the largest packages; keep net/http, encoding/json and unused go-ethereum packages out"; exit 1; fi; \
	echo "size: js/lit-session.wasm is $$gz bytes gzip -9, budget $(WASM_BUDGET_GZIP) ($$(( (gz * 100) / $(WASM_BUDGET_GZIP) ))%)"
endef

size-budget: wasm
	$(SIZE_BUDGET_CHECK)

# Raw, gzip and brotli bytes of both modules, and the code bytes of the
# largest packages (from builds that keep the name section); fails over budget.
size: wasm
	@for f in js/lit-session.wasm js/lit-session-pkp.wasm; do \
	raw=$$(wc -c < $$f); gz=$$(gzip -9 -c $$f | wc -c); \
	if command -v brotli >/dev/null; then br=$$(brotli -q 11 -c $$f | wc -c); else br="n/a (no brotli CLI)"; fi; \
	echo "$$f: raw $$raw bytes, gzip -9 $$gz bytes, brotli -q 11 $$br bytes"; done
	@$(WASM_ENV) $(GO) build -trimpath $(WASM_GCFLAGS) -o $(BIN)/lit-session-names.wasm ./wasm
	@echo "js/lit-session.wasm by package:"
	@$(GO) run ./internal/wasmsize -n 25 $(BIN)/lit-session-names.wasm
	@$(WASM_ENV) $(GO) build -trimpath $(WASM_GCFLAGS) -o $(BIN)/lit-session-pkp-names.wasm ./wasm/pkp
	@echo "js/lit-session-pkp.wasm by package:"
	@$(GO) run ./internal/wasmsize -n 15 $(BIN)/lit-session-pkp-names.wasm
	$(SIZE_BUDGET_CHECK)

# wasmbrowsertest runs `go test` binaries in headless Chromium. It does not
# pass --no-sandbox, which Chromium needs as root, so a `chromium` wrapper
# with the flags goes first in PATH.
browser-tools:
	@mkdir -p $(TOOLS)
	@test -x $(TOOLS)/wasmbrowsertest || GOBIN=$(TOOLS) $(GO) install github.com/agnivade/wasmbrowsertest@v0.11.0
	@chrome=$$(command -v chromium || command -v chromium-browser || command -v google-chrome || true); \
	case "$$chrome" in ""|$(TOOLS)/*) echo "browser-tools: Chromium not found; apt-get install -y chromium"; exit 1;; esac; \
	printf '#!/bin/sh\nexec %s --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking --disable-component-update --disable-sync "$$@"\n' "$$chrome" > $(TOOLS)/chromium; \
	chmod +x $(TOOLS)/chromium

# The bindings' tests in Chromium, then the demo page end to end against a
# real devnet (web/e2e_test.go; screenshot in testdata/artifacts/).
browser-test: browser-tools wasm
	PATH="$(TOOLS):$$PATH" $(WASM_ENV) $(GO) test -count=1 -exec wasmbrowsertest ./wasm/...
	PATH="$(TOOLS):$$PATH" LITSESSION_BROWSER=1 $(GO) test -count=1 -v -run 'Browser' ./web/

# A devnet and a worker for each generation; the page switches between
# them. NETWORK=datil or NETWORK=naga on the command line runs one.
demo: build wasm
	$(GO) run ./internal/demo -network $(if $(filter command line,$(origin NETWORK)),$(NETWORK),all) -litsession $(BIN)/litsession $(DEMO_ARGS)

# ---- side by side with the official SDK (BENCHMARKS.md) --------------------

# The Go benchmarks (verifier per core, engine for 3/30/300 nodes, devnet
# under a bounded 60 s load), then CPU side by side (official SDK in node vs
# Go, alternating rounds), then the official browser bundle's size next to
# js/ and both timed in headless Chromium, interleaved, then the same page
# runs over an emulated network (9 Mbit/s, 40 ms, 4x CPU slowdown) with both
# sides served gzip -9 and brotli -q 11 (make bench-net: only those; 84
# page runs, 10 minutes on a loaded 2-core VM). Never part of make test;
# timings are printed, not asserted.
.PHONY: bench bench-native bench-net
BENCH_ROUNDS ?= 5
bench: oracle-deps wasm
	@command -v brotli >/dev/null || { echo "bench: the brotli CLI is missing (it measures the brotli -q 11 sizes): apt-get install -y brotli"; exit 1; }
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null || \
		{ echo "bench: Chromium is missing: apt-get install -y chromium"; exit 1; }
	ROUNDS=$(BENCH_ROUNDS) GO=$(GO) NODE=$(NODE) sh $(ORACLE)/bench/run.sh all

# Only the page runs over an emulated network, gzip and brotli.
bench-net: oracle-deps wasm
	@command -v brotli >/dev/null || { echo "bench-net: the brotli CLI is missing (it makes the brotli -q 11 files): apt-get install -y brotli"; exit 1; }
	GO=$(GO) NODE=$(NODE) sh $(ORACLE)/bench/run.sh net

# Only the Go benchmarks (verifier, engine for N nodes, devnet under load).
bench-native:
	GO=$(GO) NODE=$(NODE) sh $(ORACLE)/bench/run.sh native
