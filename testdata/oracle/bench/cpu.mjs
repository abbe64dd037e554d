// CPU side-by-side benchmarks, official side: the UNMODIFIED Lit JS SDK
// 7.4.0 in node. The Go side is in core/siwe, core/session and conformance
// (bench_test.go, BenchmarkSideBySide*); run.sh runs both and prints one
// table.
//
//   node bench/cpu.mjs [--reps N] [--seconds S] [--fixture out.json]
//
// Prints one JSON line per repetition and benchmark:
//   {"side":"official","bench":"<name>","ops":N,"seconds":S,"opsPerSec":R}
//
// Benchmarks (the same inputs as the Go side):
//   siwe-authsig    createSiweMessageWithRecaps + generateAuthSig (ethers
//                   Wallet.signMessage), two requests (lit-pkp://* pkp-signing,
//                   lit-litaction://* lit-action-execution)
//   validate-3      validateSessionSigs (@lit-protocol/misc) on a 3-node
//                   SessionSigsMap: JSON and expiry checks, no signature
//   getsessionsigs  getSessionSigs on a client stubbed as connected to 3
//                   nodes (lib.mjs stubbedClient); the documented EOA
//                   authNeededCallback signs with an ethers Wallet. In node
//                   the client has no storage, so every call makes a new
//                   session key and asks the callback.
//
// --fixture writes the SessionSigsMap of one official getSessionSigs call
// (3 nodes, real clock, default 24 h expiration): validate-3 runs on it, and
// run.sh hands the same file to the Go verifier benchmark.
//
// Each repetition warms up for a fifth of --seconds, then runs the operation
// back to back for --seconds and reports operations per second.
//
// Nothing may leave the process: fetch and every socket connection throw.

import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

net.Socket.prototype.connect = function refuse() {
  throw new Error('bench: network access refused');
};

// lib.mjs replaces Date with a fake clock (a Proxy). The SDK reads the
// global Date on every call, so putting the real one back after the import
// measures the SDK as it runs in an app, without the Proxy's overhead.
const RealDate = globalThis.Date;
const lib = await import('../lib.mjs');
globalThis.Date = RealDate;

const { authHelpers, ethers, stubbedClient, makeRequests, offlineClient } = lib;
const require = createRequire(import.meta.url);
const { validateSessionSigs } = require('@lit-protocol/misc');

// Shared inputs (the Go benchmarks use the same values).
const WALLET_KEY = '0x1111111111111111111111111111111111111111111111111111111111111111';
const BLOCKHASH = '0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd';
const NODES = ['https://192.0.2.1:443', 'https://192.0.2.2:443', 'https://192.0.2.3:443'];
// The session public key of seed 0x22…22 (the URI of the siwe-authsig case).
const SESSION_URI = 'lit:session:a09aa5f47a6759802ff955f8dc2d2a14a5c99d23be97f864127ff9383455a4f0';
const REQUESTS = [
  { resourcePrefix: 'lit-pkp', resource: '*', ability: 'pkp-signing' },
  { resourcePrefix: 'lit-litaction', resource: '*', ability: 'lit-action-execution' },
];

function parseArgs(argv) {
  const out = { reps: 5, seconds: 1, fixture: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--reps' && v) out.reps = Number(argv[++i]);
    else if (a === '--seconds' && v) out.seconds = Number(argv[++i]);
    else if (a === '--fixture' && v) out.fixture = argv[++i];
    else throw new Error(`unknown argument ${a}; usage: cpu.mjs [--reps N] [--seconds S] [--fixture out.json]`);
  }
  if (!(out.reps >= 1) || !(out.seconds > 0)) throw new Error('--reps must be ≥ 1 and --seconds > 0');
  return out;
}

const wallet = new ethers.Wallet(WALLET_KEY);
const resources = makeRequests(REQUESTS);
const client = stubbedClient({ nodes: NODES, blockhash: BLOCKHASH });

// The documented EOA callback (as devnet-client.mjs).
let callbacks = 0;
const authNeededCallback = async ({ uri, expiration, resourceAbilityRequests }) => {
  callbacks++;
  const toSign = await authHelpers.createSiweMessageWithRecaps({
    uri,
    expiration,
    resources: resourceAbilityRequests,
    walletAddress: wallet.address,
    nonce: await client.getLatestBlockhash(),
    litNodeClient: client,
  });
  return await authHelpers.generateAuthSig({ signer: wallet, toSign });
};

function getSessionSigs() {
  // The stub's blockhash counts as fresh for 30 s after lastBlockHashRetrieved;
  // keep it fresh so the client never tries the block indexer.
  client.lastBlockHashRetrieved = Date.now();
  return client.getSessionSigs({ chain: 'ethereum', resourceAbilityRequests: resources, authNeededCallback });
}

async function siweAuthSig(expiration) {
  const message = await authHelpers.createSiweMessageWithRecaps({
    uri: SESSION_URI,
    expiration,
    resources,
    walletAddress: wallet.address,
    nonce: BLOCKHASH,
    litNodeClient: offlineClient(),
  });
  return authHelpers.generateAuthSig({ signer: wallet, toSign: message });
}

async function measure(op, seconds) {
  const run = async (budgetMs) => {
    let n = 0;
    const start = performance.now();
    let now = start;
    while (now - start < budgetMs) {
      await op();
      n++;
      now = performance.now();
    }
    return { n, ms: now - start };
  };
  await run(seconds * 200); // warm-up
  const { n, ms } = await run(seconds * 1000);
  return { ops: n, seconds: ms / 1000, opsPerSec: n / (ms / 1000) };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));

  // One official call for the fixture and as a correctness check.
  const fixture = await getSessionSigs();
  if (Object.keys(fixture).join(' ') !== NODES.join(' ') || callbacks !== 1) {
    throw new Error(`unexpected getSessionSigs result: nodes ${Object.keys(fixture)}, ${callbacks} callbacks`);
  }
  const check = validateSessionSigs(fixture);
  if (!check.isValid) throw new Error(`validateSessionSigs refused the official sigs: ${check.errors}`);
  if (args.fixture) writeFileSync(args.fixture, JSON.stringify(fixture, null, 2) + '\n');

  const expiration = new Date(Date.now() + 24 * 3600 * 1000).toISOString();
  const first = await siweAuthSig(expiration);
  if (ethers.utils.verifyMessage(first.signedMessage, first.sig) !== wallet.address) {
    throw new Error('generateAuthSig: the signature does not recover the wallet');
  }

  const benches = [
    ['siwe-authsig', () => siweAuthSig(expiration)],
    ['validate-3', () => {
      const r = validateSessionSigs(fixture);
      if (!r.isValid) throw new Error(r.errors.join('; '));
    }],
    ['getsessionsigs', getSessionSigs],
  ];
  for (let rep = 0; rep < args.reps; rep++) {
    for (const [bench, op] of benches) {
      const before = callbacks;
      const r = await measure(op, args.seconds);
      if (bench === 'getsessionsigs' && callbacks - before < r.ops) {
        throw new Error(`getsessionsigs: ${callbacks - before} callbacks for ${r.ops}+ calls; expected one per call`);
      }
      process.stdout.write(JSON.stringify({ side: 'official', bench, ...r }) + '\n');
    }
  }
}

try {
  await main();
} catch (e) {
  process.stderr.write(`bench/cpu.mjs: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
}
