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
import { localClient, pkpSign as sign, run, stepper } from './harness.mjs';
import {
  createAuthManager,
  generateSessionKeyPair,
  storagePlugins,
  validateDelegationAuthSig,
  ViemAccountAuthenticator,
} from '@lit-protocol/auth';
import { privateKeyToAccount, publicKeyToAddress } from 'viem/accounts';

const SIGN_SESSION_KEY = '/web/sign_session_key/v2';

const result = { ok: false, steps: {} };
const step = stepper(result);
const signSessionKeyRequests = () => globalThis.litsessionFetchCounts()[SIGN_SESSION_KEY] ?? 0;

await run('naga-client.mjs', result, ['networkContextPath', 'rpcUrl', 'ownerKey', 'pkpPublicKey', 'storagePath'], async (input) => {
  const message = input.message ?? 'hello from server reuse';
  const { pkpPublicKey } = input;
  result.pkpAddress = publicKeyToAddress(pkpPublicKey);

  let litClient;
  await step('createLitClient', async () => {
    litClient = await localClient(input);
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
});
