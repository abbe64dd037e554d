// Runs the UNMODIFIED official LitNodeClientNodeJs (v7.4.0) against a local
// Lit network (the Go devnet) and prints the session signatures it makes.
//
//   node devnet-client.mjs < input.json
//   node devnet-client.mjs 0x<wallet key>        (same, default requests)
//
// stdin (JSON object; every field but walletKey is optional):
//   walletKey                 0x-prefixed secp256k1 private key of the EOA
//   resourceAbilityRequests   [{resourcePrefix, resource, ability, data?}],
//                             default lit-pkp://* pkp-signing and
//                             lit-litaction://* lit-action-execution
//   expiration                ISO-8601 session expiration (SDK default: +24 h)
//   sessionKey                {publicKey, secretKey} (hex, as
//                             generateSessionKeyPair) passed to getSessionSigs;
//                             default: the client generates one
//
// The client is configured as a dapp would for a local network:
// `new LitNodeClientNodeJs({litNetwork:'custom', checkNodeAttestation:false,
// debug:false})`. With litNetwork 'custom' its rpcUrl defaults to
// http://127.0.0.1:8545 (LIT_RPC.LOCAL_ANVIL), so the devnet's JSON-RPC
// endpoint must listen there. The only thing changed on the client is the
// private _blockHashUrl, pointed at the devnet's block indexer
// (<rpcUrl>/get_most_recent_valid_block) instead of
// https://block-indexer.litgateway.com, so nothing leaves loopback.
//
// The session signatures come from getSessionSigs with the documented EOA
// authNeededCallback: createSiweMessageWithRecaps + generateAuthSig with an
// ethers Wallet.
//
// stdout: {"rpcUrl","connectedNodes":[…],"latestBlockhash","networkPubKey",
//          "minNodeCount","walletAddress","sessionSigs":{<node URL>:AuthSig}}
// On failure: a message on stderr and exit status 1.
//
// Network: every connection to a non-loopback address is refused at once
// (net.Socket#connect and fetch are guarded), so a client that tried to
// reach the internet fails fast instead of hanging. The real clock is used.

import net from 'node:net';

// Keep the real fetch before lib.mjs replaces it with one that always throws.
const realFetch = globalThis.fetch;

const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost', 'ip6-loopback']);

function isLoopbackHost(host) {
  if (host === undefined || host === null || host === '') return true; // Node defaults to localhost
  let h = String(host).toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (LOOPBACK_NAMES.has(h)) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (h.startsWith('::ffff:')) h = h.slice('::ffff:'.length);
  return net.isIPv4(h) && h.startsWith('127.');
}

const refused = new Set();
function refuse(what) {
  const msg = `devnet-client: refused a connection to ${what}: only loopback is allowed`;
  if (!refused.has(what)) {
    refused.add(what);
    process.stderr.write(msg + '\n');
  }
  return new Error(msg);
}

// Guard every TCP/TLS connection (http, https, undici fetch, ws) of this
// process: a non-loopback target gets an immediate socket error.
const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  let opts = args[0];
  if (Array.isArray(opts)) opts = opts[0]; // net's internal normalized form
  let host;
  let port;
  if (opts !== null && typeof opts === 'object') {
    // net treats a truthy path as a pipe (IPC); http passes path: null.
    if (opts.path) return realConnect.apply(this, args);
    host = opts.host;
    port = opts.port;
  } else if (typeof opts === 'number' || (typeof opts === 'string' && /^\d+$/.test(opts))) {
    port = opts;
    host = typeof args[1] === 'string' ? args[1] : undefined;
  } else {
    return realConnect.apply(this, args); // a path: IPC
  }
  if (isLoopbackHost(host)) return realConnect.apply(this, args);
  const err = refuse(`${host}:${port}`);
  process.nextTick(() => this.destroy(err));
  return this;
};

const lib = await import('./lib.mjs');
const { authHelpers, constants, ethers, LitNodeClientNodeJs, makeRequests, readStdin } = lib;
lib.useRealClock();

globalThis.fetch = async (input, init) => {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  if (!isLoopbackHost(url.hostname)) throw refuse(url.origin);
  return realFetch(input, init);
};

// A watchdog, so that a hung handshake can never keep the process alive.
const WATCHDOG_MS = 50_000;
const watchdog = setTimeout(() => {
  process.stderr.write(`devnet-client: gave up after ${WATCHDOG_MS / 1000} s\n`);
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

const DEFAULT_REQUESTS = [
  { resourcePrefix: 'lit-pkp', resource: '*', ability: 'pkp-signing' },
  { resourcePrefix: 'lit-litaction', resource: '*', ability: 'lit-action-execution' },
];

async function readInput() {
  if (process.argv[2]) return { walletKey: process.argv[2] };
  const text = (await readStdin()).trim();
  if (text === '') throw new Error('no input: pass {"walletKey":"0x…"} on stdin or the key as the first argument');
  return JSON.parse(text);
}

async function main() {
  const input = await readInput();
  if (typeof input.walletKey !== 'string') throw new Error('walletKey (0x-prefixed hex private key) is required');
  const wallet = new ethers.Wallet(input.walletKey);
  const resourceAbilityRequests = makeRequests(input.resourceAbilityRequests ?? DEFAULT_REQUESTS);

  const client = new LitNodeClientNodeJs({
    litNetwork: 'custom',
    checkNodeAttestation: false,
    debug: false,
  });
  const rpcUrl = client.config.rpcUrl || constants.RPC_URL_BY_NETWORK[constants.LIT_NETWORK.Custom];
  if (!rpcUrl.startsWith('http://127.0.0.1:')) throw new Error(`unexpected default rpcUrl ${rpcUrl}`);
  client._blockHashUrl = `${rpcUrl}/get_most_recent_valid_block`;

  try {
    await client.connect();

    // The documented EOA callback.
    const authNeededCallback = async ({ uri, expiration, resourceAbilityRequests }) => {
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

    const params = { chain: 'ethereum', resourceAbilityRequests, authNeededCallback };
    if (input.expiration !== undefined) params.expiration = input.expiration;
    if (input.sessionKey !== undefined) params.sessionKey = input.sessionKey;
    const sessionSigs = await client.getSessionSigs(params);

    return {
      rpcUrl,
      connectedNodes: [...client.connectedNodes],
      latestBlockhash: client.latestBlockhash,
      networkPubKey: client.networkPubKey,
      minNodeCount: client.config.minNodeCount,
      walletAddress: wallet.address,
      sessionSigs,
    };
  } finally {
    // Stops the eth_blockNumber polling (every 4 s) that would keep the
    // process alive.
    await client.disconnect();
  }
}

let code = 0;
try {
  const out = await main();
  await new Promise((resolve, reject) =>
    process.stdout.write(JSON.stringify(out) + '\n', (err) => (err ? reject(err) : resolve())),
  );
} catch (e) {
  const info = lib.describeError(e);
  const text = e instanceof Error && e.stack ? e.stack : `${info.errorName}: ${info.error}`;
  process.stderr.write(`devnet-client: ${text}\n`);
  code = 1;
}
// Exit now: the client may leave timers or sockets behind even after
// disconnect().
process.exit(code);
