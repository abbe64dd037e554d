// This module's browser client (js/lit-session.js + js/lit-session.wasm,
// built by make wasm) in a page driven by web/bench_sidebyside_test.go
// (make bench); the same steps as browser-official.mjs.
//
// run: one timed run in a fresh page; with warm, load({warmUp: true}) and
// the run waits for the warm-up (warmMs) before creating the client.
//   ready   wasm_exec.js + import lit-session.js + load(): fetch, compile and
//           instantiate the module and start it, until its API can be called
//           (time-to-ready)
//   load    ready + createClient({rpcUrl}) on the devnet
//   connect client.connect(): staking contract + handshake with every node
//   first   getSessionSigs with an authNeededCallback that does what the
//           official one does: the module's createSiweMessageWithRecaps, then
//           personal_sign with a wallet in the page (the module's dev wallet
//           with the same key as the official run's ethers Wallet);
//           callbackMs is the time spent in the callback
//   second  the same call again: the module reuses the session key and
//           wallet signature it cached in localStorage
//
// siweSetup/siweRep and sessionSetup/sessionRep/sessionLast: the
// micro-benchmarks, as in browser-official.mjs.
import { calibrate, withFixedClock, checkSessionSigs, resourceRequests, siweRep as siweRepOf, sessionRep as sessionRepOf } from './browser-micro.mjs';

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(s);
  });
}

function utf8Hex(s) {
  return '0x' + Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, '0')).join('');
}

// The module, started: what a dApp awaits before it can call the API.
async function loadModule(opts) {
  await loadScript('/js/wasm_exec.js');
  const mod = await import('/js/lit-session.js');
  const lit = await mod.load(opts);
  return { mod, lit };
}

// The callback of browser-official.mjs, with this module's functions.
function siweCallback(lit, wallet) {
  const stats = { callbacks: 0, callbackMs: 0 };
  const authNeededCallback = async ({ uri, expiration, nonce, resourceAbilityRequests }) => {
    const s = performance.now();
    stats.callbacks++;
    try {
      const toSign = await lit.createSiweMessageWithRecaps({
        uri,
        expiration,
        resources: resourceAbilityRequests,
        walletAddress: wallet.address,
        nonce,
      });
      const sig = await wallet.request({ method: 'personal_sign', params: [utf8Hex(toSign), wallet.address] });
      return { sig, derivedVia: 'web3.eth.personal.sign', signedMessage: toSign, address: wallet.address };
    } finally {
      stats.callbackMs += performance.now() - s;
    }
  };
  return { stats, authNeededCallback };
}

function sessionParams(mod, authNeededCallback) {
  return {
    chain: 'ethereum',
    resourceAbilityRequests: [
      { resource: new mod.LitPKPResource('*'), ability: mod.LIT_ABILITY.PKPSigning },
      { resource: new mod.LitActionResource('*'), ability: mod.LIT_ABILITY.LitActionExecution },
    ],
    authNeededCallback,
  };
}

export async function run({ rpcUrl, walletKey, warm, connectAt }) {
  localStorage.clear();

  const t0 = performance.now();
  const { mod, lit } = await loadModule({ warmUp: !!warm });
  const tReady = performance.now();
  // warm: the user's first click comes after the idle-time warm-up.
  const warmMs = warm ? await lit.warmUp() : 0;
  // connectAt: the page waits until it is that old (ms since its time
  // origin) before it creates the client and connects, as old as the
  // official side's page when that connects.
  if (connectAt) await new Promise((r) => setTimeout(r, Math.max(0, connectAt - performance.now())));
  const tc = performance.now();
  const client = lit.createClient({ rpcUrl });
  const t1 = performance.now();
  await client.connect();
  const t2 = performance.now();

  const wallet = lit.createDevWallet({ privateKey: walletKey });
  const { stats, authNeededCallback } = siweCallback(lit, wallet);
  const params = sessionParams(mod, authNeededCallback);
  const first = await client.getSessionSigs(params);
  const t3 = performance.now();
  const firstCallbacks = stats.callbacks;
  const firstCallbackMs = stats.callbackMs;
  const second = await client.getSessionSigs(params);
  const t4 = performance.now();
  return {
    readyMs: tReady - t0,
    loadMs: tReady - t0 + (t1 - tc),
    warmMs,
    connectMs: t2 - t1,
    connectAtMs: t1,
    firstMs: t3 - t2,
    firstCallbackMs,
    firstCallbacks,
    secondMs: t4 - t3,
    secondCallbacks: stats.callbacks - firstCallbacks,
    connectedNodes: client.connectedNodes,
    first,
    second,
  };
}

// ---- micro-benchmarks ----

let siwe = null;

// siweSetup: the module's createSiweMessageWithRecaps on the test's inputs
// (the same as the official page's); see browser-official.mjs.
export async function siweSetup({ inputs, fixedNow }) {
  const { mod, lit } = await loadModule();
  const params = {
    uri: inputs.uri,
    expiration: inputs.expiration,
    nonce: inputs.nonce,
    domain: inputs.domain,
    walletAddress: inputs.walletAddress,
    resources: resourceRequests(inputs.resources, mod),
  };
  const op = () => lit.createSiweMessageWithRecaps(params);
  const message = await withFixedClock(fixedNow, op);
  const iters = await calibrate(op);
  siwe = { op, iters };
  return { message, iters };
}

export function siweRep() {
  return siweRepOf(siwe);
}

let session = null;

// sessionSetup: a client connected to every node in nodes, one untimed
// getSessionSigs that asks the callback (it caches the session key and the
// wallet signature in localStorage), then a warm-up of cached calls
// (browser-micro.mjs calibrate).
//
// One devnet has at most 100 nodes. With more (beyondStaking), the staking
// contract at rpcUrl lists only the first devnet's nodes, so the client is
// given every node with bootstrapUrls (minNodeCount: all of them) instead,
// and connect() handshakes with all of them; rpcUrl then only names the
// block indexer, as on the official side (_blockHashUrl). Otherwise it reads
// the staking contract at rpcUrl, as in run().
export async function sessionSetup({ rpcUrl, nodes, beyondStaking, walletKey }) {
  localStorage.clear();
  const { mod, lit } = await loadModule();
  const client = beyondStaking
    ? lit.createClient({ bootstrapUrls: nodes, minNodeCount: nodes.length, rpcUrl })
    : lit.createClient({ rpcUrl });
  const t0 = performance.now();
  await client.connect();
  const connectMs = performance.now() - t0;
  const connectedNodes = client.connectedNodes;

  const wallet = lit.createDevWallet({ privateKey: walletKey });
  const { stats, authNeededCallback } = siweCallback(lit, wallet);
  const params = sessionParams(mod, authNeededCallback);
  const tFirst = performance.now();
  const first = await client.getSessionSigs(params);
  const firstMs = performance.now() - tFirst;
  checkSessionSigs('ours, first call', first, nodes);
  const firstCallbacks = stats.callbacks;
  const op = () => client.getSessionSigs(params);
  const iters = await calibrate(op, firstMs);
  session = { op, iters, nodes, stats, firstCallbacks };
  return { connectMs, connectedNodes, firstMs, firstCallbacks, first, iters };
}

export function sessionRep() {
  return sessionRepOf('ours', session);
}

// sessionLast: the result of the last timed call, returned whole for the
// test to verify, with the number of callbacks since the first call
// (should be 0).
export async function sessionLast() {
  return { last: session.last, laterCallbacks: session.stats.callbacks - session.firstCallbacks };
}
