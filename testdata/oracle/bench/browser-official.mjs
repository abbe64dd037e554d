// The OFFICIAL browser client (bench/bundle.mjs → /official/lit-official.js)
// in a page driven by web/bench_sidebyside_test.go (make bench).
// browser-ours.mjs is the same with this module's WebAssembly client.
//
// run: one timed run in a fresh page. Steps, each timed with
// performance.now():
//   ready   import the bundle: fetch + parse/eval, until its API can be
//           called (time-to-ready)
//   load    ready + new LitNodeClient({litNetwork:'custom',
//           checkNodeAttestation:false}); its rpcUrl is then the default
//           http://127.0.0.1:8545 (the devnet), and the private _blockHashUrl
//           is pointed at the devnet's block indexer
//           (docs/protocol.md#block-indexer), so
//           nothing leaves loopback
//   connect client.connect(): staking contract + handshake with every node
//   first   getSessionSigs with the documented EOA authNeededCallback
//           (createSiweMessageWithRecaps + generateAuthSig, ethers Wallet);
//           callbackMs is the time spent in the callback
//   second  the same call again: the browser client reuses the session key
//           and wallet signature it cached in localStorage
//
// siweSetup/siweRep and sessionSetup/sessionRep/sessionLast: the
// micro-benchmarks (browser-micro.mjs has the timing loop). The test opens
// one page per side and alternates their repetitions.
import { calibrate, withFixedClock, checkSessionSigs, resourceRequests, siweRep as siweRepOf, sessionRep as sessionRepOf } from './browser-micro.mjs';

const BUNDLE = '/official/lit-official.js';

// The documented EOA authNeededCallback, counting its calls and its time.
function documentedCallback(sdk, client, wallet) {
  const stats = { callbacks: 0, callbackMs: 0 };
  const authNeededCallback = async ({ uri, expiration, resourceAbilityRequests }) => {
    const s = performance.now();
    stats.callbacks++;
    try {
      const toSign = await sdk.createSiweMessageWithRecaps({
        uri,
        expiration,
        resources: resourceAbilityRequests,
        walletAddress: wallet.address,
        nonce: await client.getLatestBlockhash(),
        litNodeClient: client,
      });
      return await sdk.generateAuthSig({ signer: wallet, toSign });
    } finally {
      stats.callbackMs += performance.now() - s;
    }
  };
  return { stats, authNeededCallback };
}

function sessionParams(sdk, authNeededCallback) {
  return {
    chain: 'ethereum',
    resourceAbilityRequests: [
      { resource: new sdk.LitPKPResource('*'), ability: sdk.LIT_ABILITY.PKPSigning },
      { resource: new sdk.LitActionResource('*'), ability: sdk.LIT_ABILITY.LitActionExecution },
    ],
    authNeededCallback,
  };
}

export async function run({ walletKey }) {
  localStorage.clear();
  // The test signer stands in for a wallet extension: loaded before timing.
  const { Wallet } = await import('/official/lit-official-wallet.js');
  const wallet = new Wallet(walletKey);

  const t0 = performance.now();
  const sdk = await import(BUNDLE);
  const tReady = performance.now();
  const client = new sdk.LitNodeClient({ litNetwork: 'custom', checkNodeAttestation: false, debug: false });
  const rpcUrl = client.config.rpcUrl || sdk.RPC_URL_BY_NETWORK[sdk.LIT_NETWORK.Custom];
  if (rpcUrl !== 'http://127.0.0.1:8545') throw new Error(`unexpected default rpcUrl ${rpcUrl}`);
  client._blockHashUrl = `${rpcUrl}/get_most_recent_valid_block`;
  const t1 = performance.now();
  await client.connect();
  const t2 = performance.now();

  const { stats, authNeededCallback } = documentedCallback(sdk, client, wallet);
  const params = sessionParams(sdk, authNeededCallback);
  const first = await client.getSessionSigs(params);
  const t3 = performance.now();
  const firstCallbacks = stats.callbacks;
  const firstCallbackMs = stats.callbackMs;
  const second = await client.getSessionSigs(params);
  const t4 = performance.now();
  await client.disconnect();
  return {
    readyMs: tReady - t0,
    loadMs: t1 - t0,
    connectMs: t2 - t1,
    connectAtMs: t1,
    firstMs: t3 - t2,
    firstCallbackMs,
    firstCallbacks,
    secondMs: t4 - t3,
    secondCallbacks: stats.callbacks - firstCallbacks,
    connectedNodes: [...client.connectedNodes],
    first,
    second,
  };
}

// ---- micro-benchmarks ----

let siwe = null;

// siweSetup: the official createSiweMessageWithRecaps on the test's inputs.
// Returns the message made with the clock pinned at fixedNow (the
// conformance check), then warms up and calibrates the timed loop.
export async function siweSetup({ inputs, fixedNow }) {
  const sdk = await import(BUNDLE);
  // The recap helper needs a client only for
  // generateSessionCapabilityObjectWithWildcards, which is local: an
  // unconnected client, as bench/cpu.mjs uses (lib.mjs offlineClient).
  const litNodeClient = new sdk.LitNodeClient({ litNetwork: 'custom', checkNodeAttestation: false, debug: false });
  const params = {
    uri: inputs.uri,
    expiration: inputs.expiration,
    nonce: inputs.nonce,
    domain: inputs.domain,
    walletAddress: inputs.walletAddress,
    resources: resourceRequests(inputs.resources, sdk),
    litNodeClient,
  };
  const op = () => sdk.createSiweMessageWithRecaps(params);
  const message = await withFixedClock(fixedNow, op);
  const iters = await calibrate(op);
  siwe = { op, iters };
  return { message, iters };
}

export function siweRep() {
  return siweRepOf(siwe);
}

let session = null;

// sessionSetup: a LitNodeClient connected to every node in nodes, one
// untimed getSessionSigs that asks the callback (it caches the session key
// and the wallet signature in localStorage), then a warm-up of cached calls
// (browser-micro.mjs calibrate).
//
// One devnet has at most 100 nodes. With more (beyondStaking), the staking
// contract at rpcUrl lists only the first devnet's nodes, so after connect()
// the client handshakes with all of nodes by its own code, exactly as the
// end of connect() does: config.bootstrapUrls, then
// _runHandshakeWithBootstrapUrls, whose connectedNodes, serverKeys and
// consensus config are assigned to the client. getSessionSigs then signs
// once per connectedNodes entry, as on a real network of that size.
export async function sessionSetup({ rpcUrl, nodes, beyondStaking, walletKey }) {
  localStorage.clear();
  const { Wallet } = await import('/official/lit-official-wallet.js');
  const wallet = new Wallet(walletKey);
  const sdk = await import(BUNDLE);
  const client = new sdk.LitNodeClient({ litNetwork: 'custom', rpcUrl, checkNodeAttestation: false, debug: false });
  client._blockHashUrl = `${rpcUrl}/get_most_recent_valid_block`;
  const t0 = performance.now();
  await client.connect();
  if (beyondStaking) {
    client.config.bootstrapUrls = [...nodes];
    const { connectedNodes, serverKeys, coreNodeConfig } = await client._runHandshakeWithBootstrapUrls();
    Object.assign(client, { ...coreNodeConfig, connectedNodes, serverKeys });
  }
  const connectMs = performance.now() - t0;
  const connectedNodes = [...client.connectedNodes];

  const { stats, authNeededCallback } = documentedCallback(sdk, client, wallet);
  const params = sessionParams(sdk, authNeededCallback);
  const tFirst = performance.now();
  const first = await client.getSessionSigs(params);
  const firstMs = performance.now() - tFirst;
  checkSessionSigs('official, first call', first, nodes);
  const firstCallbacks = stats.callbacks;
  const op = () => client.getSessionSigs(params);
  const iters = await calibrate(op, firstMs);
  session = { client, op, iters, nodes, stats, firstCallbacks };
  return { connectMs, connectedNodes, firstMs, firstCallbacks, first, iters };
}

export function sessionRep() {
  return sessionRepOf('official', session);
}

// sessionLast: the result of the last timed call, returned whole for the
// test to verify (an extra call would cost seconds at 300 nodes), with the
// number of callbacks since the first call (should be 0).
export async function sessionLast() {
  const laterCallbacks = session.stats.callbacks - session.firstCallbacks;
  await session.client.disconnect();
  return { last: session.last, laterCallbacks };
}
