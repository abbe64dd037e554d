// Generates core/session/testdata/naga-session-sigs.json: naga session
// signatures made by the official v8 code from fixed inputs, for
// conformance.TestConformanceNagaSessionSigs to rebuild byte for byte.
//
//   cd testdata/oracle-naga && node gen-session-vectors.mjs > ../../core/session/testdata/naga-session-sigs.json
//
// Every case runs issueSessionFromContext (@lit-protocol/networks 8.4.1),
// the function behind createPkpSessionSigs and every v8 operation that
// signs with an auth context, with the pricing context v8 builds from the
// price feed:
//
//   - "eoa-*": the auth context of getEoaAuthContext
//     (@lit-protocol/auth 8.2.3) for a viem account, which signs v8's SIWE
//     message (createSiweMessageWithResources) with ViemAccountAuthenticator;
//   - "pkp-pregenerated": the auth context of
//     getPkpAuthContextFromPreGeneratedAdapter (what createPkpSessionSigs
//     uses) for a LIT_BLS delegation whose ReCap carries the auth context a
//     naga node adds; the delegation is signed here with a fixed network
//     key, so the Go side can validate it.
//
// Time, the session key, the wallet and the network key are fixed; nothing
// touches the network.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';

process.noDeprecation = true;
const require = createRequire(process.cwd() + '/');

// Fixed clock: new Date() and Date.now() are NOW; Date(x) is unchanged.
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const RealDate = Date;
class FixedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(NOW);
    else super(...args);
  }
  static now() {
    return NOW;
  }
}
globalThis.Date = FixedDate;

// The packages log through pino; keep stdout for the vectors.
console.log = console.info = console.debug = console.warn = () => {};
const out = process.stdout.write.bind(process.stdout);

const { issueSessionFromContext, PricingContextSchema } = require('@lit-protocol/networks');
const { getEoaAuthContext, ViemAccountAuthenticator } = require('@lit-protocol/auth');
const { getPkpAuthContextFromPreGeneratedAdapter } = require(
  '@lit-protocol/auth/src/lib/AuthManager/authAdapters/getPkpAuthContextFromPreGeneratedAdapter',
);
const { LitPKPResource, LitActionResource, RecapSessionCapabilityObject } = require('@lit-protocol/auth-helpers');
const { LIT_ABILITY } = require('@lit-protocol/constants');
const { SiweMessage } = require('siwe');
const { privateKeyToAccount } = require('viem/accounts');
const { hashMessage, getAddress } = require('viem');
const { ed25519 } = require('@noble/curves/ed25519');
const { bls12_381 } = require('@noble/curves/bls12-381');

const versions = Object.fromEntries(
  ['@lit-protocol/networks', '@lit-protocol/auth', '@lit-protocol/auth-helpers'].map((p) => [
    p,
    require(`${p}/package.json`).version,
  ]),
);

const hex = (b) => Buffer.from(b).toString('hex');
const sha = (label) => createHash('sha256').update(label).digest();

const seed = sha('litsession naga session vector session key');
const sessionKeyPair = { publicKey: hex(ed25519.getPublicKey(seed)), secretKey: hex(seed) };
const walletKey = '0x' + hex(sha('litsession naga session vector wallet'));
const account = privateKeyToAccount(walletKey);
const nonce = '0x' + hex(sha('litsession naga session vector blockhash'));
const issuedAt = new Date().toISOString();
const expiration = '2026-01-03T03:04:05.000Z';

// Four nodes with the PriceFeed's four prices each [decryption, sign,
// lit action, sign session key]; ties keep feed order.
const nodePrices = [
  { url: 'http://127.0.0.1:7470', prices: [1000n, 3000n, 5000n, 9000n] },
  { url: 'http://127.0.0.1:7471', prices: [1001n, 2000n, 5000n, 7000n] },
  { url: 'http://127.0.0.1:7472', prices: [1002n, 2000n, 4000n, 8000n] },
  { url: 'http://127.0.0.1:7473', prices: [1003n, 1000n, 6000n, 9000n] },
];
const threshold = 3;

const pricing = (product, userMaxPrice) =>
  PricingContextSchema.parse({ product, nodePrices, threshold, ...(userMaxPrice !== undefined ? { userMaxPrice } : {}) });

const resourcesJSON = (rs) =>
  rs.map((r) => ({ resource: r.resource.resourcePrefix + '://' + r.resource.resource, ability: r.ability, ...(r.data ? { data: r.data } : {}) }));

async function eoaCase(name, resources, product, userMaxPrice) {
  const authConfig = { domain: 'localhost', resources, capabilityAuthSigs: [], expiration, statement: '' };
  const authContext = await getEoaAuthContext({
    authentication: { authenticator: ViemAccountAuthenticator, account },
    authConfig,
    deps: {
      nonce,
      authData: { sessionKey: { keyPair: sessionKeyPair, expiresAt: expiration }, authMethodType: 1 },
      storage: {},
      address: account.address,
    },
    cache: { delegationAuthSig: false },
  });
  const sessionSigs = await issueSessionFromContext({ authContext, pricingContext: pricing(product, userMaxPrice) });
  return {
    name,
    kind: 'eoa',
    product,
    userMaxPrice: userMaxPrice === undefined ? null : userMaxPrice.toString(),
    resources: resourcesJSON(resources),
    sessionSigs,
  };
}

// The network key and the LIT_BLS delegation of the PKP-owned session.
const DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
const networkSecret = BigInt('0x' + hex(sha('litsession naga session vector network key'))) % bls12_381.params.r;
const networkPublicKey = hex(bls12_381.G1.ProjectivePoint.BASE.multiply(networkSecret).toRawBytes(true));

function blsSessionSig(siweMessage) {
  // m = SHA-256("lit_session:" + hex(keccak256(EIP-191(siwe)))), as nodes sign it.
  const digest = createHash('sha256')
    .update('lit_session:' + hashMessage(siweMessage).slice(2))
    .digest();
  const h = bls12_381.G2.hashToCurve(digest, { DST });
  return hex(h.multiply(networkSecret).toRawBytes(true));
}

async function pkpCase(name, product, userMaxPrice) {
  const pkpPrivate = sha('litsession naga session vector pkp');
  const pkpPublicKey = '0x' + hex(require('@noble/curves/secp256k1').secp256k1.getPublicKey(pkpPrivate, false));
  const pkpAddress = privateKeyToAccount('0x' + hex(pkpPrivate)).address;
  const recap = new RecapSessionCapabilityObject();
  recap.addCapabilityForResource(new LitPKPResource('*'), LIT_ABILITY.PKPSigning, { purpose: 'vector', uses: '10' });
  recap.addCapabilityForResource(new LitActionResource('*'), LIT_ABILITY.LitActionExecution);
  recap.addAttenuation('lit-resolvedauthcontext://*', 'Auth', 'Auth', {
    auth_context: {
      actionIpfsIdStack: [],
      authMethodContexts: [{ appId: 'lit', authMethodType: 1, usedForSignSessionKeyRequest: true, userId: getAddress(account.address) }],
      authSigAddress: null,
      customAuthResource: '',
      resources: [],
    },
  });
  let siwe = new SiweMessage({
    domain: 'localhost',
    address: pkpAddress,
    statement: 'Lit Protocol PKP session signature',
    uri: 'lit:session:' + sessionKeyPair.publicKey,
    version: '1',
    chainId: 1,
    nonce,
    issuedAt,
    expirationTime: expiration,
  });
  siwe = recap.addToSiweMessage(siwe);
  const signedMessage = siwe.prepareMessage();
  const delegationAuthSig = {
    sig: JSON.stringify({ ProofOfPossession: blsSessionSig(signedMessage) }),
    algo: 'LIT_BLS',
    derivedVia: 'lit.bls',
    signedMessage,
    address: pkpAddress,
  };
  const authContext = await getPkpAuthContextFromPreGeneratedAdapter({ pkpPublicKey, sessionKeyPair, delegationAuthSig });
  const sessionSigs = await issueSessionFromContext({
    authContext,
    pricingContext: pricing(product, userMaxPrice),
    delegationAuthSig,
  });
  return {
    name,
    kind: 'pkp-pregenerated',
    product,
    userMaxPrice: userMaxPrice === undefined ? null : userMaxPrice.toString(),
    pkpPublicKey,
    delegationAuthSig,
    sessionSigs,
  };
}

const cases = [
  await eoaCase(
    'eoa-lit-action-default-budget',
    [
      { resource: new LitActionResource('*'), ability: LIT_ABILITY.LitActionExecution },
      { resource: new LitPKPResource('*'), ability: LIT_ABILITY.PKPSigning },
    ],
    'LIT_ACTION',
  ),
  await eoaCase(
    'eoa-sign-budget',
    [{ resource: new LitPKPResource('*'), ability: LIT_ABILITY.PKPSigning }],
    'SIGN',
    100000n,
  ),
  await pkpCase('pkp-pregenerated-sign', 'SIGN'),
  await pkpCase('pkp-pregenerated-sign-session-key-budget', 'SIGN_SESSION_KEY', 24001n),
];

out(
  JSON.stringify(
    {
      generator: 'testdata/oracle-naga/gen-session-vectors.mjs',
      versions,
      now: issuedAt,
      sessionKeyPair,
      walletKey,
      walletAddress: account.address,
      nonce,
      expiration,
      networkPublicKey,
      threshold,
      nodePrices: nodePrices.map((n) => ({ url: n.url, prices: n.prices.map(String) })),
      cases,
    },
    null,
    2,
  ) + '\n',
);
