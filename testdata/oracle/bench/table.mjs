// Prints the Markdown table of the CPU side-by-side benchmarks (run.sh):
// medians of the official (node, bench/cpu.mjs JSON lines) and our (go test
// -bench output) repetitions, and the ratio ours/official.
//
//   node bench/table.mjs <official.jsonl> <go-bench.txt>

import { readFileSync } from 'node:fs';

const [officialFile, goFile] = process.argv.slice(2);
if (!officialFile || !goFile) {
  process.stderr.write('usage: node bench/table.mjs <official.jsonl> <go-bench.txt>\n');
  process.exit(2);
}

// name → ops/s of each repetition
const official = {};
for (const line of readFileSync(officialFile, 'utf8').split('\n')) {
  if (line.trim() === '') continue;
  const r = JSON.parse(line);
  (official[r.bench] ??= []).push(r.opsPerSec);
}
const ours = {};
for (const line of readFileSync(goFile, 'utf8').split('\n')) {
  // BenchmarkSideBySideVerify/cold   	  1382	  896479 ns/op	 …
  const m = /^Benchmark(SideBySide\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns\/op/.exec(line);
  if (m) (ours[m[1]] ??= []).push(1e9 / Number(m[2]));
}

const ROWS = [
  {
    what: 'SIWE message with ReCap + EOA AuthSig',
    official: ['siwe-authsig', 'createSiweMessageWithRecaps + generateAuthSig (ethers Wallet)'],
    ours: ['SideBySideSIWEAuthSig', 'siwe.CreateWithRecaps + authsig.Sign (also recovers the signature)'],
  },
  {
    what: 'check a 3-node SessionSigsMap',
    official: ['validate-3', 'validateSessionSigs (JSON + expiry only, **no signature checked**)'],
    ours: ['SideBySideVerify/cold', 'verify.Verifier.Verify ×3, no cache (Ed25519, ecrecover, SIWE, ReCap, times)'],
  },
  {
    what: 'check a 3-node SessionSigsMap',
    official: ['validate-3', 'validateSessionSigs (as above)'],
    ours: ['SideBySideVerify/cached', 'verify.Verifier.Verify ×3 with WalletSigCache'],
  },
  {
    what: 'getSessionSigs, 3 nodes, wallet asked',
    official: ['getsessionsigs', 'getSessionSigs, stubbed client, callback every call (node has no storage)'],
    ours: ['SideBySideGetSessionSigs/cold', 'Engine.GetSessionSigs, no storage: new session key, callback'],
  },
  {
    what: 'getSessionSigs, 3 nodes, cache reused',
    official: ['getsessionsigs', 'n/a in node: same call as above (asks every time)'],
    ours: ['SideBySideGetSessionSigs/warm', 'Engine.GetSessionSigs, Memory storage: cached wallet sig checked and reused'],
  },
];

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const fmtRate = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US').replace(/,/g, ' ') : x.toPrecision(3));
const fmtTime = (opsPerSec) => {
  const us = 1e6 / opsPerSec;
  return us >= 1000 ? `${(us / 1000).toPrecision(3)} ms` : `${us.toPrecision(3)} µs`;
};
const fmtRatio = (r) => (r >= 10 ? String(Math.round(r)) : r >= 1 ? r.toFixed(1) : r.toPrecision(2)) + '×';
const range = (v) => `${fmtRate(Math.min(...v))}–${fmtRate(Math.max(...v))}`;

const out = [];
out.push('| operation | official (node) | ops/s | per op | ours (Go) | ops/s | per op | ours/official ops/s (> 1: ours faster) | runs official; ours (ops/s) |');
out.push('|---|---|---|---|---|---|---|---|---|');
let missing = false;
for (const r of ROWS) {
  const o = official[r.official[0]];
  const g = ours[r.ours[0]];
  if (!o || !g) {
    process.stderr.write(`table.mjs: no results for ${!o ? r.official[0] : r.ours[0]}\n`);
    missing = true;
    continue;
  }
  const mo = median(o);
  const mg = median(g);
  out.push(
    `| ${r.what} | ${r.official[1]} | ${fmtRate(mo)} | ${fmtTime(mo)} | ${r.ours[1]} | ${fmtRate(mg)} | ${fmtTime(mg)} | **${fmtRatio(mg / mo)}** | ${range(o)}; ${range(g)} (${o.length}; ${g.length} runs) |`,
  );
}
process.stdout.write(out.join('\n') + '\n');
if (missing) process.exit(1);
