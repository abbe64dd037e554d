#!/bin/sh
# Side-by-side benchmarks with the official Lit JS SDK 7.4.0 (make bench;
# results in BENCHMARKS.md, "Side by side with the official SDK").
#
#   testdata/oracle/bench/run.sh [cpu|browser|net|native|all]     (default all)
#
# cpu:     ROUNDS rounds (default 5), each running the official side in node
#          (bench/cpu.mjs, BENCH_SECONDS s per benchmark, default 1) and then
#          ours (go test -bench SideBySide, -cpu 1, one package at a time), so
#          the two sides alternate and share the machine's ups and downs.
#          Prints one Markdown table of the medians (bench/table.mjs). The
#          verifier benchmark checks the SessionSigsMap the official
#          getSessionSigs made in round 1.
# browser: LITSESSION_BENCH=1 go test -run SideBySideChromium ./web/: the size
#          of the official browser bundle next to js/, and headless-Chromium
#          timings (needs make wasm, Chromium, and 127.0.0.1:8545 free);
#          then net.
# net:     LITSESSION_BENCH=1 go test -run SideBySideChromiumNetwork ./web/:
#          the same page runs over an emulated network (9 Mbit/s down,
#          3 Mbit/s up, 40 ms per request, 4x CPU slowdown), both sides served
#          gzip -9, then brotli -q 11 (needs the brotli CLI too).
# native:  Go only, nothing side by side (runs first in all): the verifier's
#          throughput on one core, cold and cached (BenchmarkVerify*, -count
#          5), Engine.GetSessionSigs for 3, 30 and 300 nodes
#          (BenchmarkEngineSign, -count 5), each benchmark bounded by
#          NATIVE_BENCHTIME (default 0.5s), then go run ./internal/devnetload:
#          an in-process 3-node devnet under 8 requests in flight for
#          LOAD_SECONDS s (default 60); then v7 against naga like for like,
#          one request kind per run (handshake, naga-handshake, pkp-sign,
#          naga-pkp-sign), NAGA_LOAD_SECONDS s each (default 30). About 4 min
#          in all on 2 vCPUs.
#
# LITSESSION_BENCH_RUNS (default 20) sets the page runs per side (and
# condition) and the micro-benchmarks' repetitions of browser and net. The output is benchstat input; it fails if any
#          load request failed.
#
# cpu and browser need node and testdata/oracle/node_modules (make oracle-deps). Timings are
# never asserted; the machine's load is printed with the results.
set -eu

cd "$(dirname "$0")/../../.."
GO=${GO:-go}
NODE=${NODE:-node}
ROUNDS=${ROUNDS:-5}
BENCH_SECONDS=${BENCH_SECONDS:-1}
what=${1:-all}
case $what in cpu|browser|net|native|all) ;; *) echo "usage: $0 [cpu|browser|net|native|all]" >&2; exit 2;; esac

if [ "$what" != native ] && [ ! -d testdata/oracle/node_modules/@lit-protocol/lit-node-client ]; then
	echo "bench: testdata/oracle/node_modules is missing: run make oracle-deps" >&2
	exit 1
fi

machine() {
	# "Machine", capitalised, so that benchstat does not read it as a
	# configuration line (that would split runs by load average).
	echo "Machine: $(uname -sr) $(uname -m), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $($GO env GOVERSION), node $($NODE --version), load average $(cut -d' ' -f1-3 /proc/loadavg); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
}

# ---- native (Go only) -------------------------------------------------------
if [ "$what" = native ] || [ "$what" = all ]; then
	NATIVE_BENCHTIME=${NATIVE_BENCHTIME:-0.5s}
	LOAD_SECONDS=${LOAD_SECONDS:-60}
	echo "== Native Go: verifier (with its Ed25519 + ecrecover floor) and session engine on one core, devnet under a bounded load"
	machine
	native_start=$(date +%s)
	$GO test -run '^$' -bench 'Verify|Floor' -benchtime "$NATIVE_BENCHTIME" -cpu 1 -count 5 ./core/verify/
	$GO test -run '^$' -bench 'BenchmarkEngineSign' -benchtime "$NATIVE_BENCHTIME" -cpu 1 -count 5 ./core/session/
	$GO run ./internal/devnetload -duration "${LOAD_SECONDS}s" -concurrency 8 -nodes 3
	NAGA_LOAD_SECONDS=${NAGA_LOAD_SECONDS:-30}
	for kind in handshake naga-handshake pkp-sign naga-pkp-sign; do
		$GO run ./internal/devnetload -duration "${NAGA_LOAD_SECONDS}s" -concurrency 8 -nodes 3 -mix "$kind"
	done
	echo "Native section: $(($(date +%s) - native_start)) s; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	if [ "$what" = native ]; then
		exit 0
	fi
fi

if [ "$what" = cpu ] || [ "$what" = all ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	echo "== CPU, native: official SDK in node vs Go ($ROUNDS rounds of ${BENCH_SECONDS}s per benchmark)"
	machine
	: >"$tmp/official.jsonl"
	: >"$tmp/go.txt"
	i=1
	while [ "$i" -le "$ROUNDS" ]; do
		fixture=""
		[ "$i" -eq 1 ] && fixture="--fixture $tmp/sessionsigs.json"
		# shellcheck disable=SC2086
		$NODE testdata/oracle/bench/cpu.mjs --reps 1 --seconds "$BENCH_SECONDS" $fixture >>"$tmp/official.jsonl"
		LITSESSION_BENCH_SESSIONSIGS="$tmp/sessionsigs.json" $GO test -p 1 -count 1 -cpu 1 -run '^$' \
			-bench '^BenchmarkSideBySide' -benchtime "${BENCH_SECONDS}s" \
			./core/siwe/ ./core/session/ ./conformance/ >>"$tmp/go.txt"
		echo "round $i/$ROUNDS done (load average $(cut -d' ' -f1 /proc/loadavg))"
		i=$((i + 1))
	done
	echo
	$NODE testdata/oracle/bench/table.mjs "$tmp/official.jsonl" "$tmp/go.txt"
	echo
fi

if [ "$what" = browser ] || [ "$what" = all ]; then
	echo "== Browser: official bundle vs js/lit-session.wasm (size; headless Chromium timings)"
	machine
	LITSESSION_BENCH=1 $GO test -count 1 -v -timeout 15m -run '^TestSideBySideChromium$' ./web/
	echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
fi

if [ "$what" = browser ] || [ "$what" = net ] || [ "$what" = all ]; then
	echo "== Browser over an emulated network: official bundle vs js/lit-session.wasm, served gzip -9 and brotli -q 11"
	machine
	LITSESSION_BENCH=1 $GO test -count 1 -v -timeout 30m -run '^TestSideBySideChromiumNetwork$' ./web/
	echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
