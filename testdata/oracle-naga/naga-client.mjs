// Runs the UNMODIFIED official Lit JS SDK v8 (naga) against a local naga
// network (the Go devnet, `litsession devnet --network naga`): the server
// session reuse flow, step by step, then the standard PKP auth context with
// its storage cache.
//
//   LITSESSION_INDEXER_URL=<ready line indexerUrl> node --import ./shim.mjs naga-client.mjs < input.json
//
// stdin (JSON object):
//   networkContextPath  the ready line's "networkContext"
//   rpcUrl              the ready line's "rpcUrl"
//   ownerKey            0x-prefixed secp256k1 key of the PKP's owner (a test key)
//   pkpPublicKey        "0x04…" of a PKP the devnet minted for that owner
//   storagePath         empty directory for the auth storage (the cache steps)
//   message             text to sign (default "hello from server reuse")
//
// The client is nagaLocal.withLocalContext({networkContextPath, networkName:
// 'naga-local', rpcUrlOverride}) (nagaLocal as shipped lacks an ABI the
// client needs); shim.mjs sends the SDK's hard-coded block indexer URL to the
// devnet and refuses anything off loopback.
//
// stdout: exactly one JSON line, {"ok":bool,"steps":{<step>:{"ok":bool,…}},
// "failedStep","error","fetches":{<path>:count}}, steps in order:
//   createLitClient, authenticate, generatePkpDelegationAuthSig, envelope,
//   validateDelegationAuthSig, createPkpAuthContextFromPreGenerated,
//   createPkpSessionSigs, pkpSign, createPkpAuthContext, cachedPkpAuthContext.
// Steps after the first failure do not run. SDK logs go to stderr.
import { createLitClient } from '@lit-protocol/lit-client';
import { nagaLocal } from '@lit-protocol/networks';
import {
  createAuthManager,
  generateSessionKeyPair,
  storagePlugins,
  validateDelegationAuthSig,
  ViemAccountAuthenticator,
} from '@lit-protocol/auth';
import { privateKeyToAccount, publicKeyToAddress } from 'viem/accounts';
import { keccak256, recoverAddress, toBytes, toHex } from 'viem';

// The SDK logs to stdout; stdout is kept for the one result line.
const writeOut = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr);
console.log = console.info = console.debug = (...a) => console.error(...a);

const TIMEOUT_MS = 100_000;
const SIGN_SESSION_KEY = '/web/sign_session_key/v2';

const result = { ok: false, steps: {} };
let finished = false;
function finish(code) {
  if (finished) return;
  finished = true;
  result.fetches = globalThis.litsessionFetchCounts?.() ?? {};
  writeOut(JSON.stringify(result) + '\n');
  process.exit(code);
}
setTimeout(() => {
  result.error = `naga-client.mjs gave up after ${TIMEOUT_MS / 1000} s`;
  finish(1);
}, TIMEOUT_MS).unref();

// step runs fn, records its outcome under name and stops the run on error.
async function step(name, fn) {
  try {
    const out = (await fn()) ?? {};
    result.steps[name] = { ok: true, ...out };
    return out;
  } catch (e) {
    result.steps[name] = { ok: false, error: String(e?.message ?? e) };
    result.failedStep = name;
    result.error = String(e?.stack ?? e);
    throw e;
  }
}

const signSessionKeyRequests = () => globalThis.litsessionFetchCounts()[SIGN_SESSION_KEY] ?? 0;

// sign signs message with the PKP through chain.ethereum.pkpSign (toSign as
// BYTES: a string would be signed as zero bytes, an SDK quirk) and checks
// that the signature recovers to the PKP's address.
async function sign(litClient, authContext, pkpPublicKey, message) {
  const toSign = toBytes(message);
  const sig = await litClient.chain.ethereum.pkpSign({ authContext, pubKey: pkpPublicKey, toSign });
  const hash = keccak256(toSign);
  const raw = sig.signature.toLowerCase();
  const recovered = await recoverAddress({
    hash,
    signature: { r: '0x' + raw.slice(2, 66), s: '0x' + raw.slice(66, 130), yParity: sig.recoveryId },
  });
  return { signature: sig, digest: hash, recoveredAddress: recovered };
}

let litClient;
try {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  for (const k of ['networkContextPath', 'rpcUrl', 'ownerKey', 'pkpPublicKey', 'storagePath']) {
    if (typeof input[k] !== 'string' || input[k] === '') throw new Error(`stdin: ${k} is required`);
  }
  const message = input.message ?? 'hello from server reuse';
  const { pkpPublicKey } = input;
  result.pkpAddress = publicKeyToAddress(pkpPublicKey);

  await step('createLitClient', async () => {
    const network = nagaLocal.withLocalContext({
      networkContextPath: input.networkContextPath,
      networkName: 'naga-local',
      rpcUrlOverride: input.rpcUrl,
    });
    litClient = await createLitClient({ network });
    const ctx = await litClient.getContext();
    return { nodes: Object.keys(ctx.handshakeResult?.serverKeys ?? {}).sort(), threshold: ctx.handshakeResult?.threshold };
  });

  // The user's side: authenticate the owner, delegate to a session key.
  const account = privateKeyToAccount(input.ownerKey);
  const authManager = createAuthManager({
    storage: storagePlugins.localStorageNode({ appName: 'litsession-oracle', networkName: 'naga-local', storagePath: input.storagePath }),
  });
  const authConfig = {
    resources: [['pkp-signing', '*']],
    expiration: new Date(Date.now() + 60 * 60 * 1000).toISOString(),
  };
  const { authData } = await step('authenticate', async () => {
    const authData = await ViemAccountAuthenticator.authenticate(account);
    return { authData, authMethodType: authData.authMethodType, authMethodId: authData.authMethodId };
  });
  const sessionKeyPair = generateSessionKeyPair();
  const { delegationAuthSig } = await step('generatePkpDelegationAuthSig', async () => {
    const delegationAuthSig = await authManager.generatePkpDelegationAuthSig({
      pkpPublicKey, authData, sessionKeyPair, authConfig, litClient,
    });
    return { delegationAuthSig, signSessionKeyRequests: signSessionKeyRequests() };
  });
  const { envelope } = await step('envelope', async () => {
    const payload = Buffer.from(JSON.stringify({ sessionKeyPair, delegationAuthSig }), 'utf8').toString('base64url');
    return { envelope: JSON.stringify({ pkpPublicKey, payload }) };
  });

  // The server's side: open the envelope, validate, sign.
  const opened = JSON.parse(envelope);
  const material = JSON.parse(Buffer.from(opened.payload, 'base64url').toString('utf8'));
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
  await step('createPkpSessionSigs', async () => {
    const before = signSessionKeyRequests();
    const sessionSigs = await authManager.createPkpSessionSigs({
      sessionKeyPair: material.sessionKeyPair,
      pkpPublicKey: opened.pkpPublicKey,
      delegationAuthSig: material.delegationAuthSig,
      litClient,
    });
    return { sessionSigs, signSessionKeyRequests: signSessionKeyRequests() - before };
  });
  await step('pkpSign', async () => {
    const before = signSessionKeyRequests();
    const out = await sign(litClient, authContext, opened.pkpPublicKey, message);
    return { ...out, signSessionKeyRequests: signSessionKeyRequests() - before };
  });
  delete result.steps.createPkpAuthContextFromPreGenerated.authContext;

  // The standard path: createPkpAuthContext with storage, then again from
  // the cache.
  const first = await step('createPkpAuthContext', async () => {
    const before = signSessionKeyRequests();
    const ctx = await authManager.createPkpAuthContext({ authData, pkpPublicKey, authConfig, litClient });
    const delegation = await ctx.authNeededCallback();
    const out = await sign(litClient, ctx, pkpPublicKey, message + ' (auth context)');
    return { ...out, delegationAuthSig: delegation, signSessionKeyRequests: signSessionKeyRequests() - before };
  });
  await step('cachedPkpAuthContext', async () => {
    const before = signSessionKeyRequests();
    const ctx = await authManager.createPkpAuthContext({ authData, pkpPublicKey, authConfig, litClient });
    const delegation = await ctx.authNeededCallback();
    const out = await sign(litClient, ctx, pkpPublicKey, message + ' (cached)');
    return {
      ...out,
      sameDelegation: JSON.stringify(delegation) === JSON.stringify(first.delegationAuthSig),
      signSessionKeyRequests: signSessionKeyRequests() - before,
    };
  });
  result.ok = true;
} catch (e) {
  result.error ??= String(e?.stack ?? e);
}
try {
  litClient?.disconnect?.();
} catch {}
finish(result.ok ? 0 : 1);
