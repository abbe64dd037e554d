// Runs the UNMODIFIED official LitNodeClientNodeJs (v7.4.0) PKP flow against
// a local Lit network (the Go devnet) and prints what it produced:
//
//   getPkpSessionSigs({pkpPublicKey,
//     authMethods: [{authMethodType: 1, accessToken: JSON.stringify(ownerAuthSig)}],
//     resourceAbilityRequests: [{resource: new LitPKPResource('*'), ability: 'pkp-signing'}]})
//   pkpSign({pubKey: pkpPublicKey, toSign, sessionSigs})
//
//   node pkp-client.mjs < input.json
//
// stdin (JSON object):
//   pkpPublicKey   "0x04…" of a PKP minted on the devnet (required)
//   ownerAuthSig   the owner's wallet AuthSig {sig, derivedVia, signedMessage,
//                  address} for the EthWallet auth method; or
//   ownerKey       0x-prefixed private key of the owner: the script then signs
//                  createSiweMessage({walletAddress, nonce: latest blockhash})
//                  with generateAuthSig itself
//   toSign         64 hex characters, the digest pkpSign signs (default
//                  keccak256("litsession pkp-client"))
//
// The client is configured as a dapp would for a local network:
// new LitNodeClientNodeJs({litNetwork: 'custom', checkNodeAttestation: false,
// debug: false}); its rpcUrl defaults to http://127.0.0.1:8545, where the
// devnet's JSON-RPC endpoint must listen. Only the private _blockHashUrl is
// pointed at the devnet's block indexer, so nothing leaves loopback.
//
// stdout: {"connectedNodes":[…],"networkPubKey","minNodeCount","latestBlockhash",
//          "sessionSigs":{<node URL>: AuthSig},"signature":{r,s,recid,signature,publicKey,dataSigned}}
// On failure: a message on stderr and exit status 1.
//
// Network: connections to anything but loopback are refused at once
// (net.Socket#connect and fetch are guarded). The real clock is used.

import net from 'node:net';

const realFetch = globalThis.fetch;

function isLoopback(host) {
  if (host === undefined || host === null || host === '' || host === 'localhost') return true;
  let h = String(host).toLowerCase().replace(/^\[|\]$/g, '');
  if (h === '::1') return true;
  if (h.startsWith('::ffff:')) h = h.slice(7);
  return net.isIPv4(h) && h.startsWith('127.');
}

function refuse(what) {
  const msg = `pkp-client: refused a connection to ${what}: only loopback is allowed`;
  process.stderr.write(msg + '\n');
  return new Error(msg);
}

const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  let opts = Array.isArray(args[0]) ? args[0][0] : args[0];
  let host;
  if (opts !== null && typeof opts === 'object') {
    if (opts.path) return realConnect.apply(this, args); // IPC
    host = opts.host;
  } else if (typeof opts === 'number' || /^\d+$/.test(String(opts))) {
    host = typeof args[1] === 'string' ? args[1] : undefined;
  } else {
    return realConnect.apply(this, args); // IPC path
  }
  if (isLoopback(host)) return realConnect.apply(this, args);
  const err = refuse(String(host));
  process.nextTick(() => this.destroy(err));
  return this;
};

const lib = await import('./lib.mjs');
const { authHelpers, constants, ethers, LitNodeClientNodeJs, readStdin, describeError } = lib;
lib.useRealClock();
globalThis.fetch = async (input, init) => {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  if (!isLoopback(url.hostname)) throw refuse(url.origin);
  return realFetch(input, init);
};

const watchdog = setTimeout(() => {
  process.stderr.write('pkp-client: gave up after 50 s\n');
  process.exit(1);
}, 50_000);
watchdog.unref();

async function main() {
  const input = JSON.parse(await readStdin());
  if (typeof input.pkpPublicKey !== 'string') throw new Error('pkpPublicKey ("0x04…") is required');
  const toSign = ethers.utils.arrayify(
    input.toSign ? '0x' + input.toSign : ethers.utils.keccak256(ethers.utils.toUtf8Bytes('litsession pkp-client')),
  );
  if (toSign.length !== 32) throw new Error('toSign must be 32 bytes (64 hex characters)');

  const client = new LitNodeClientNodeJs({ litNetwork: 'custom', checkNodeAttestation: false, debug: false });
  const rpcUrl = client.config.rpcUrl || constants.RPC_URL_BY_NETWORK[constants.LIT_NETWORK.Custom];
  client._blockHashUrl = `${rpcUrl}/get_most_recent_valid_block`;
  try {
    await client.connect();

    let ownerAuthSig = input.ownerAuthSig;
    if (!ownerAuthSig) {
      if (typeof input.ownerKey !== 'string') throw new Error('ownerAuthSig or ownerKey is required');
      const wallet = new ethers.Wallet(input.ownerKey);
      const toSignMsg = await authHelpers.createSiweMessage({
        walletAddress: wallet.address,
        nonce: await client.getLatestBlockhash(),
        expiration: new Date(Date.now() + 60 * 60 * 1000).toISOString(),
      });
      ownerAuthSig = await authHelpers.generateAuthSig({ signer: wallet, toSign: toSignMsg });
    }

    const sessionSigs = await client.getPkpSessionSigs({
      pkpPublicKey: input.pkpPublicKey,
      authMethods: [{ authMethodType: 1, accessToken: JSON.stringify(ownerAuthSig) }],
      resourceAbilityRequests: [
        { resource: new authHelpers.LitPKPResource('*'), ability: constants.LIT_ABILITY.PKPSigning },
      ],
    });
    const signature = await client.pkpSign({ pubKey: input.pkpPublicKey, toSign, sessionSigs });
    return {
      connectedNodes: [...client.connectedNodes],
      networkPubKey: client.networkPubKey,
      minNodeCount: client.config.minNodeCount,
      latestBlockhash: client.latestBlockhash,
      sessionSigs,
      signature,
    };
  } finally {
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
  const info = describeError(e);
  process.stderr.write(`pkp-client: ${e instanceof Error && e.stack ? e.stack : `${info.errorName}: ${info.error}`}\n`);
  code = 1;
}
process.exit(code);
