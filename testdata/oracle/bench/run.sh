#!/bin/sh
# Side-by-side benchmarks with the official Lit JS SDK 7.4.0 (make bench;
# results in BENCHMARKS.md, "Side by side with the official SDK").
#
#   testdata/oracle/bench/run.sh [cpu|browser|all]     (default all)
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
#          timings (needs make wasm, Chromium, and 127.0.0.1:8545 free).
#
# Needs node and testdata/oracle/node_modules (make oracle-deps). Timings are
# never asserted; the machine's load is printed with the results.
set -eu

cd "$(dirname "$0")/../../.."
GO=${GO:-go}
NODE=${NODE:-node}
ROUNDS=${ROUNDS:-5}
BENCH_SECONDS=${BENCH_SECONDS:-1}
what=${1:-all}
case $what in cpu|browser|all) ;; *) echo "usage: $0 [cpu|browser|all]" >&2; exit 2;; esac

if [ ! -d testdata/oracle/node_modules/@lit-protocol/lit-node-client ]; then
	echo "bench: testdata/oracle/node_modules is missing: run make oracle-deps" >&2
	exit 1
fi

machine() {
	echo "machine: $(uname -sr) $(uname -m), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $($GO env GOVERSION), node $($NODE --version), load average $(cut -d' ' -f1-3 /proc/loadavg); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
}

if [ "$what" != browser ]; then
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

if [ "$what" != cpu ]; then
	echo "== Browser: official bundle vs js/lit-session.wasm (size; headless Chromium timings)"
	machine
	LITSESSION_BENCH=1 $GO test -count 1 -v -timeout 15m -run '^TestSideBySideChromium$' ./web/
	echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
