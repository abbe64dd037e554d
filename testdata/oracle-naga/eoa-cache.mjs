// Runs the UNMODIFIED official Lit JS SDK v8 (naga) EOA auth context with
// its node storage plugin, to show which session it caches and which it
// reuses: authManager.createEoaAuthContext with
// storagePlugins.localStorageNode({appName, networkName, storagePath}) and
// a viem privateKeyToAccount account whose signMessage calls are counted.
//
//   LITSESSION_INDEXER_URL=<ready line indexerUrl> node --import ./shim.mjs eoa-cache.mjs < input.json
//
// stdin (JSON object):
//   networkContextPath  the ready line's "networkContext"
//   rpcUrl              the ready line's "rpcUrl"
//   ownerKey            0x-prefixed secp256k1 key of the wallet (a test key)
//   storagePath         the storage plugin's directory
//   appName, networkName  the storage plugin's names
//   expiration          the auth config's expiration (ISO)
//   pkpPublicKey        optional: "0x04…" of a PKP the wallet owns, to sign
//                       "litsession cache check" with the auth context
//
// stdout: exactly one JSON line {"ok", "error", "address" (the account's
// address as viem gives it), "signMessageCalls", "sessionPublicKey",
// "secretKeyHexLength", "delegationAuthSig", "sessionKeyCheck" (an Ed25519
// signature of "litsession cache check" by the session secret key, hex, as
// the SDK signs session signatures), "pkpSign" {"recoveredAddress"}}. SDK
// logs go to stderr.
import { createLitClient } from '@lit-protocol/lit-client';
import { nagaLocal } from '@lit-protocol/networks';
import { createAuthManager, storagePlugins } from '@lit-protocol/auth';
import { ed25519 } from '@noble/curves/ed25519';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import { privateKeyToAccount } from 'viem/accounts';
import { keccak256, recoverAddress, toBytes } from 'viem';

const writeOut = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr);
console.log = console.info = console.debug = (...a) => console.error(...a);

const TIMEOUT_MS = 100_000;
const result = { ok: false };
function finish(code) {
  writeOut(JSON.stringify(result) + '\n');
  process.exit(code);
}
setTimeout(() => {
  result.error = `eoa-cache.mjs gave up after ${TIMEOUT_MS / 1000} s`;
  finish(1);
}, TIMEOUT_MS).unref();

let litClient;
try {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  for (const k of ['networkContextPath', 'rpcUrl', 'ownerKey', 'storagePath', 'appName', 'networkName', 'expiration']) {
    if (typeof input[k] !== 'string' || input[k] === '') throw new Error(`stdin: ${k} is required`);
  }
  litClient = await createLitClient({
    network: nagaLocal.withLocalContext({
      networkContextPath: input.networkContextPath,
      networkName: 'naga-local',
      rpcUrlOverride: input.rpcUrl,
    }),
  });

  const viemAccount = privateKeyToAccount(input.ownerKey);
  result.address = viemAccount.address;
  result.signMessageCalls = 0;
  const account = {
    ...viemAccount,
    signMessage: async (args) => {
      result.signMessageCalls++;
      return viemAccount.signMessage(args);
    },
  };
  const authManager = createAuthManager({
    storage: storagePlugins.localStorageNode({
      appName: input.appName,
      networkName: input.networkName,
      storagePath: input.storagePath,
    }),
  });
  const authContext = await authManager.createEoaAuthContext({
    config: { account },
    authConfig: { resources: [['pkp-signing', '*']], expiration: input.expiration },
    litClient,
  });
  const { publicKey, secretKey } = authContext.sessionKeyPair;
  result.sessionPublicKey = publicKey;
  result.secretKeyHexLength = secretKey.length;
  result.sessionKeyCheck = bytesToHex(ed25519.sign(utf8ToBytes('litsession cache check'), hexToBytes(secretKey)));
  result.delegationAuthSig = await authContext.authNeededCallback();

  if (input.pkpPublicKey) {
    const toSign = toBytes('litsession cache check');
    const sig = await litClient.chain.ethereum.pkpSign({ authContext, pubKey: input.pkpPublicKey, toSign });
    const raw = sig.signature.toLowerCase();
    result.pkpSign = {
      recoveredAddress: await recoverAddress({
        hash: keccak256(toSign),
        signature: { r: '0x' + raw.slice(2, 66), s: '0x' + raw.slice(66, 130), yParity: sig.recoveryId },
      }),
    };
  }
  result.ok = true;
} catch (e) {
  result.error = String(e?.stack ?? e);
}
try {
  litClient?.disconnect?.();
} catch {}
finish(result.ok ? 0 : 1);
