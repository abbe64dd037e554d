// Helpers shared by browser-official.mjs and browser-ours.mjs for the
// in-page micro-benchmarks of web/bench_sidebyside_test.go (make bench):
// both sides are timed by the same loop, on the same inputs.
//
// A repetition is `iters` back-to-back calls timed together with
// performance.now() (Chromium coarsens it to 100 µs on a page that is not
// cross-origin isolated, so fast calls are batched); it reports the mean
// time per call. `iters` is chosen once per side by calibrate, after the
// warm-up, so that a repetition lasts about TARGET_MS.

export const WARMUP_MS = 500;
export const TARGET_MS = 30;

// runFor runs op back to back until ms have passed (at least once).
async function runFor(op, ms) {
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    await op();
    n++;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return { n, elapsed };
}

// calibrate warms op up, untimed, for WARMUP_MS (V8 tiers hot JS and
// WebAssembly functions up meanwhile), then times it for TARGET_MS more
// and returns the number of calls per repetition. warmedMs is the time of
// an untimed call the caller already made on the same path (the first
// getSessionSigs, which also asks the wallet); when it alone took
// WARMUP_MS or more, it stands for the warm-up and a repetition is one call
// (at 30 and 300 nodes the official call takes most of a second or more).
export async function calibrate(op, warmedMs = 0) {
  if (warmedMs >= WARMUP_MS) return 1;
  await runFor(op, WARMUP_MS);
  const { n, elapsed } = await runFor(op, TARGET_MS);
  return Math.max(1, Math.ceil(TARGET_MS / (elapsed / n)));
}

// timeBatch runs op iters times back to back and returns the mean time per
// call in ms and the results (checked by the caller after the clock stops).
export async function timeBatch(op, iters) {
  const results = new Array(iters);
  const start = performance.now();
  for (let i = 0; i < iters; i++) results[i] = await op();
  const ms = (performance.now() - start) / iters;
  return { ms, results };
}

// withFixedClock runs fn with Date pinned at ms: `new Date()` and
// Date.now() return that instant. Both SDKs read the wall clock through the
// global Date (the official siwe package for Issued At; Go's wasm_exec.js
// runtime.walltime for time.Now), so pinning it makes their SIWE messages
// comparable byte for byte. Only the conformance check runs under it, never
// a timed call.
export async function withFixedClock(ms, fn) {
  const RealDate = globalThis.Date;
  class FixedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(ms);
      else super(...args);
    }
    static now() {
      return ms;
    }
  }
  globalThis.Date = FixedDate;
  try {
    return await fn();
  } finally {
    globalThis.Date = RealDate;
  }
}

// checkSessionSigs throws unless sigs has exactly one entry per node URL.
export function checkSessionSigs(what, sigs, nodes) {
  const keys = Object.keys(sigs);
  if (keys.length !== nodes.length) {
    throw new Error(`${what}: ${keys.length} session sigs for ${nodes.length} nodes`);
  }
  const want = new Set(nodes);
  for (const k of keys) {
    if (!want.has(k)) throw new Error(`${what}: a session sig for ${k}, which is not one of the nodes`);
  }
}

// resourceRequests builds the requests of the benchmark inputs ({prefix,
// id, ability}; prefix 'lit-pkp' or 'lit-litaction') with one side's own
// resource classes.
export function resourceRequests(inputs, classes) {
  return inputs.map(({ prefix, id, ability }) => {
    const Resource = { 'lit-pkp': classes.LitPKPResource, 'lit-litaction': classes.LitActionResource }[prefix];
    if (!Resource) throw new Error(`unknown resource prefix ${prefix}`);
    return { resource: new Resource(id), ability };
  });
}

// siweRep times one repetition of a siweSetup's op and checks every
// message; both pages export it through their own siweRep.
export async function siweRep({ op, iters }) {
  const { ms, results } = await timeBatch(op, iters);
  for (const m of results) if (typeof m !== 'string' || !m.includes('urn:recap:')) throw new Error(`createSiweMessageWithRecaps returned ${m}`);
  return { ms, iters };
}

// sessionRep times one repetition of a sessionSetup's cached call, checks
// every result (one sig per node) and keeps the last one in session.last.
export async function sessionRep(who, session) {
  const { ms, results } = await timeBatch(session.op, session.iters);
  for (const r of results) checkSessionSigs(`${who}, cached call`, r, session.nodes);
  session.last = results[results.length - 1];
  return { ms, iters: session.iters };
}
