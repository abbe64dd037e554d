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
import { localClient, pkpSign, run } from './harness.mjs';
import { createAuthManager, storagePlugins } from '@lit-protocol/auth';
import { ed25519 } from '@noble/curves/ed25519';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import { privateKeyToAccount } from 'viem/accounts';

const result = { ok: false };

await run('eoa-cache.mjs', result, ['networkContextPath', 'rpcUrl', 'ownerKey', 'storagePath', 'appName', 'networkName', 'expiration'], async (input) => {
  const litClient = await localClient(input);

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
    const { recoveredAddress } = await pkpSign(litClient, authContext, input.pkpPublicKey, 'litsession cache check');
    result.pkpSign = { recoveredAddress };
  }
});
