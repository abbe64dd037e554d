# litsession — Go implementation of Lit Protocol session signatures.
#
#   make demo         build everything, start the local Lit network and serve the demo page
#   make test         every test: vet, format, unit, conformance vectors, oracle cross-checks, wasm build
#   make conformance  regenerate the vectors with the official SDK and fail on any difference

GO        ?= go
NODE      ?= node
ORACLE    := testdata/oracle
BIN       := bin

.PHONY: all build test unit vet fmt-check wasm-build oracle-deps conformance devnet demo fuzz clean

all: build

build:
	$(GO) build -o $(BIN)/litsession ./cmd/litsession

oracle-deps: $(ORACLE)/node_modules/.package-lock.json

$(ORACLE)/node_modules/.package-lock.json: $(ORACLE)/package.json $(ORACLE)/package-lock.json
	cd $(ORACLE) && npm ci --no-audit --no-fund --loglevel=error

test: fmt-check vet wasm-build oracle-deps unit

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './$(ORACLE)/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./core/...

wasm-build:
	GOOS=js GOARCH=wasm $(GO) build ./core/...

unit:
	LITSESSION_REQUIRE_ORACLE=1 $(GO) test -count=1 ./...

# Regenerate every vector with the official SDK, then require that nothing changed
# and that our code still matches them byte for byte.
conformance: oracle-deps
	cd $(ORACLE) && $(NODE) gen-vectors.mjs
	@if ! git diff --quiet -- testdata/vectors; then \
		echo "conformance: the official SDK's output differs from the committed vectors:"; \
		git --no-pager diff --stat -- testdata/vectors; exit 1; fi
	LITSESSION_REQUIRE_ORACLE=1 $(GO) test -count=1 -run 'Conformance|Oracle' ./...

devnet: build
	$(BIN)/litsession devnet

# Run each fuzz target for FUZZTIME (default 60s).
FUZZTIME ?= 60s
fuzz:
	$(GO) test -run XXX -fuzz FuzzDecode -fuzztime $(FUZZTIME) ./core/recap
	$(GO) test -run XXX -fuzz FuzzParse -fuzztime $(FUZZTIME) ./core/siwe
	$(GO) test -run XXX -fuzz FuzzParse -fuzztime $(FUZZTIME) ./core/sessionkey

clean:
	rm -rf $(BIN)
