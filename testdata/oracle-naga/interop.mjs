// Server session reuse across implementations, on a local naga network
// (`litsession devnet --network naga`), with the UNMODIFIED official v8
// packages on one side and litsession on the other:
//
//   LITSESSION_INDEXER_URL=<ready line indexerUrl> node --import ./shim.mjs interop.mjs < input.json
//
// stdin (JSON object) has "mode" and the ready line's "networkContextPath"
// and "rpcUrl", then per mode:
//
//   "client": the v8 client's hand-off, as the server-reuse guide writes it
//     (ViemAccountAuthenticator.authenticate, generateSessionKeyPair,
//     authManager.generatePkpDelegationAuthSig, the envelope JSON), for a
//     litsession worker to use.
//       ownerKey      0x secp256k1 key of the PKP's owner (a test key)
//       pkpPublicKey  "0x04…" of a PKP the devnet minted for that owner
//       storagePath   empty directory for the auth manager's storage
//     steps: createLitClient, authenticate, generatePkpDelegationAuthSig,
//     envelope (result: "envelope").
//
//   "server": the v8 server's side of the guide with an envelope litsession
//     made (validateDelegationAuthSig, createPkpAuthContextFromPreGenerated
//     without authData, createPkpSessionSigs, chain.ethereum.pkpSign with
//     toSign as bytes), then v8's own checks of litsession's session
//     signatures.
//       envelope      the envelope JSON text
//       storagePath   empty directory for the auth manager's storage
//       message       text to sign (keccak256 of its UTF-8 bytes is signed)
//       sessionSigs   (optional) litsession's session signatures for the
//                     same envelope, {nodeUrl: AuthSig}
//     steps: createLitClient, openEnvelope, validateDelegationAuthSig,
//     createPkpAuthContextFromPreGenerated, createPkpSessionSigs, pkpSign,
//     checkSessionSigs.
//
// The session secret must be the 32-byte seed (64 hex): v8 signs with
// ed25519.sign(msg, hexToBytes(secretKey)). openEnvelope refuses any other
// length instead of handing it to v8 code.
//
// stdout: exactly one JSON line {"ok","mode","steps":{<step>:{"ok",…}},
// "failedStep","error","fetches"}; steps after the first failure do not run.
// SDK logs go to stderr.
import { localClient, pkpSign, required, run, stepper } from './harness.mjs';
import {
  createAuthManager,
  generateSessionKeyPair,
  storagePlugins,
  validateDelegationAuthSig,
  ViemAccountAuthenticator,
} from '@lit-protocol/auth';
import { validateSessionSigs } from '@lit-protocol/auth/src/lib/authenticators/helper/session-sigs-validator.js';
import { AuthSigSchema } from '@lit-protocol/schemas';
import { ed25519 } from '@noble/curves/ed25519';
import { privateKeyToAccount, publicKeyToAddress } from 'viem/accounts';
import { hexToBytes } from 'viem';

const result = { ok: false, steps: {} };
const step = stepper(result);

// The user's side of the guide: delegate from the PKP to a new session key
// and hand both over in the envelope.
async function client(input, litClient) {
  required(input, ['ownerKey', 'pkpPublicKey', 'storagePath']);
  const { pkpPublicKey } = input;
  const account = privateKeyToAccount(input.ownerKey);
  const authManager = createAuthManager({
    storage: storagePlugins.localStorageNode({ appName: 'litsession-interop', networkName: 'naga-local', storagePath: input.storagePath }),
  });
  const { authData } = await step('authenticate', async () => ({ authData: await ViemAccountAuthenticator.authenticate(account) }));
  const sessionKeyPair = generateSessionKeyPair();
  const { delegationAuthSig } = await step('generatePkpDelegationAuthSig', async () => ({
    delegationAuthSig: await authManager.generatePkpDelegationAuthSig({
      pkpPublicKey,
      authData,
      sessionKeyPair,
      authConfig: {
        resources: [['pkp-signing', '*']],
        expiration: new Date(Date.now() + 60 * 60 * 1000).toISOString(),
      },
      litClient,
    }),
  }));
  await step('envelope', async () => {
    const payload = Buffer.from(JSON.stringify({ sessionKeyPair, delegationAuthSig }), 'utf8').toString('base64url');
    return { envelope: JSON.stringify({ pkpPublicKey, payload }) };
  });
}

// checkSessionSig runs the v8 code that checks a session signature: the
// AuthSig schema, the session-sigs validator v8 runs on the ones it issues
// (JSON template, capabilities, expirations) and ed25519 (the library v8
// signs with) over signedMessage under address.
function checkSessionSig(sig) {
  const out = { schema: false, validator: [], ed25519: false };
  try {
    AuthSigSchema.parse(sig);
    out.schema = true;
  } catch (e) {
    out.schemaError = String(e?.message ?? e);
  }
  const v = validateSessionSigs({ node: structuredClone(sig) });
  out.validator = v.isValid ? [] : v.errors;
  try {
    out.ed25519 = ed25519.verify(hexToBytes('0x' + sig.sig), new TextEncoder().encode(sig.signedMessage), hexToBytes('0x' + sig.address));
  } catch (e) {
    out.ed25519Error = String(e?.message ?? e);
  }
  try {
    out.template = JSON.parse(sig.signedMessage);
    out.keys = Object.keys(out.template);
  } catch {}
  return out;
}

// The server's side of the guide, with an envelope it did not make.
async function server(input, litClient) {
  required(input, ['envelope', 'storagePath', 'message']);
  const authManager = createAuthManager({
    storage: storagePlugins.localStorageNode({ appName: 'litsession-interop-server', networkName: 'naga-local', storagePath: input.storagePath }),
  });
  const { opened, material } = await step('openEnvelope', async () => {
    const opened = JSON.parse(input.envelope);
    const material = JSON.parse(Buffer.from(opened.payload, 'base64url').toString('utf8'));
    const sk = material.sessionKeyPair?.secretKey;
    if (typeof sk !== 'string' || !/^[0-9a-f]{64}$/.test(sk)) {
      throw new Error(`the envelope's secretKey is ${typeof sk === 'string' ? sk.length : typeof sk} characters, want 64 lowercase hex (the 32-byte seed v8 signs with)`);
    }
    return { opened, material, pkpAddress: publicKeyToAddress(opened.pkpPublicKey), secretKeyHexLength: sk.length };
  });
  await step('validateDelegationAuthSig', async () => {
    validateDelegationAuthSig({
      delegationAuthSig: material.delegationAuthSig,
      sessionKeyUri: 'lit:session:' + material.sessionKeyPair.publicKey,
    });
  });
  const { authContext } = await step('createPkpAuthContextFromPreGenerated', async () => {
    const authContext = await authManager.createPkpAuthContextFromPreGenerated({
      pkpPublicKey: opened.pkpPublicKey,
      sessionKeyPair: material.sessionKeyPair,
      delegationAuthSig: material.delegationAuthSig,
    });
    return { authContext, derivedAuthData: authContext.authData };
  });
  const { sessionSigs } = await step('createPkpSessionSigs', async () => ({
    sessionSigs: await authManager.createPkpSessionSigs({
      sessionKeyPair: material.sessionKeyPair,
      pkpPublicKey: opened.pkpPublicKey,
      delegationAuthSig: material.delegationAuthSig,
      litClient,
    }),
  }));
  await step('pkpSign', () => pkpSign(litClient, authContext, opened.pkpPublicKey, input.message));
  delete result.steps.createPkpAuthContextFromPreGenerated.authContext;
  await step('checkSessionSigs', async () => {
    const ours = {};
    for (const [url, sig] of Object.entries(input.sessionSigs ?? {})) ours[url] = checkSessionSig(sig);
    const theirs = {};
    for (const [url, sig] of Object.entries(sessionSigs)) theirs[url] = checkSessionSig(sig);
    return { ours, theirs };
  });
}

await run('interop.mjs', result, ['mode', 'networkContextPath', 'rpcUrl'], async (input) => {
  result.mode = input.mode;
  if (input.mode !== 'client' && input.mode !== 'server') throw new Error(`stdin: mode must be "client" or "server", not ${JSON.stringify(input.mode)}`);
  let litClient;
  await step('createLitClient', async () => {
    litClient = await localClient(input);
  });
  await (input.mode === 'client' ? client : server)(input, litClient);
});
