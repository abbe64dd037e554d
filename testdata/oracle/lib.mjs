// Shared helpers for the oracle scripts. They load the OFFICIAL Lit SDK
// packages (v7.4.0) from ./node_modules and run them offline.
//
// - The clock is faked (see setNow) so that `new Date()` / `Date.now()` are
//   deterministic.
// - Network access is refused (globalThis.fetch throws), so a stubbed client
//   that tried to reach a node or the block indexer would fail loudly instead
//   of producing non-deterministic output.

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

// depd prints deprecation warnings from inside the SDK; they are noise here.
// depd reads this flag when each namespace is created, so set it before any
// SDK module is required.
process.noDeprecation = true;

export const ORACLE_DIR = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------
// Fake clock
// ---------------------------------------------------------------------------

export const DEFAULT_NOW = '2026-01-01T00:00:00.000Z';
const RealDate = Date;
let fakeNowMs = RealDate.parse(DEFAULT_NOW);

const FakeDate = new Proxy(RealDate, {
  construct(target, args, newTarget) {
    if (args.length === 0) {
      return Reflect.construct(target, fakeNowMs === null ? [] : [fakeNowMs], newTarget);
    }
    return Reflect.construct(target, args, newTarget);
  },
  apply() {
    // `Date()` called as a function returns a string for "now".
    return (fakeNowMs === null ? new RealDate() : new RealDate(fakeNowMs)).toString();
  },
  get(target, prop, receiver) {
    if (prop === 'now') return () => (fakeNowMs === null ? RealDate.now() : fakeNowMs);
    return Reflect.get(target, prop, receiver);
  },
});
globalThis.Date = FakeDate;

/** Stop faking: `new Date()` / `Date.now()` use the real clock again. */
export function useRealClock() {
  fakeNowMs = null;
}

/** Set the faked "now" (an ISO string or ms). */
export function setNow(iso) {
  const ms = typeof iso === 'number' ? iso : RealDate.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad fake now: ${iso}`);
  fakeNowMs = ms;
}

// ---------------------------------------------------------------------------
// No network
// ---------------------------------------------------------------------------

globalThis.fetch = async (url) => {
  throw new Error(`oracle: network access refused (fetch ${String(url)})`);
};

// The v7 client prints a few harmless console.warn lines on every
// getSessionSigs call in Node (no localStorage). Drop exactly those.
const realWarn = console.warn.bind(console);
console.warn = (...args) => {
  const first = typeof args[0] === 'string' ? args[0] : '';
  if (
    first.startsWith('Storage key "') ||
    first.startsWith('Unable to store walletSig in local storage') ||
    first.startsWith('Unable to remove walletSig in local storage')
  ) {
    return;
  }
  realWarn(...args);
};

// ---------------------------------------------------------------------------
// Official packages
// ---------------------------------------------------------------------------

export const authHelpers = require('@lit-protocol/auth-helpers');
export const { LitNodeClientNodeJs } = require('@lit-protocol/lit-node-client-nodejs');
export const constants = require('@lit-protocol/constants');
export const { ethers } = require('ethers');
export const siwe = require('siwe');
export const siweRecap = require('siwe-recap');
export const nacl = require('tweetnacl');

export const PACKAGE_NAMES = [
  '@lit-protocol/auth-helpers',
  '@lit-protocol/constants',
  '@lit-protocol/lit-node-client',
  '@lit-protocol/lit-node-client-nodejs',
  '@lit-protocol/misc',
  'ethers',
  'siwe',
  'siwe-recap',
  'tweetnacl',
];

/** name -> installed version (read from node_modules), in a fixed order. */
export function packageVersions() {
  const out = {};
  for (const name of PACKAGE_NAMES) {
    const pj = JSON.parse(
      readFileSync(path.join(ORACLE_DIR, 'node_modules', name, 'package.json'), 'utf8'),
    );
    out[name] = pj.version;
  }
  return out;
}

const RESOURCE_CLASSES = {
  'lit-accesscontrolcondition': authHelpers.LitAccessControlConditionResource,
  'lit-pkp': authHelpers.LitPKPResource,
  'lit-litaction': authHelpers.LitActionResource,
  'lit-ratelimitincrease': authHelpers.LitRLIResource,
};

/** Build an official resource object from its prefix and the id as passed. */
export function makeResource(resourcePrefix, resource) {
  const Cls = RESOURCE_CLASSES[resourcePrefix];
  if (!Cls) throw new Error(`oracle: unknown resourcePrefix ${resourcePrefix}`);
  return new Cls(resource);
}

/** [{resourcePrefix, resource, ability, data?}] -> official LitResourceAbilityRequest[] */
export function makeRequests(list) {
  return list.map((r) => {
    const req = { resource: makeResource(r.resourcePrefix, r.resource), ability: r.ability };
    if (r.data !== undefined) req.data = r.data;
    return req;
  });
}

/** JSON round trip: what JSON.stringify would put on the wire. */
export function asJSON(v) {
  return JSON.parse(JSON.stringify(v));
}

/** Turn whatever the official code threw into a plain record. */
export function describeError(e) {
  if (e instanceof Error) {
    const out = { error: e.message, errorName: e.name };
    return out;
  }
  if (e && typeof e === 'object' && 'type' in e) {
    // siwe's SiweError is not an Error: {type, expected, received}.
    return {
      error: String(e.type),
      errorName: e.constructor?.name ?? 'Object',
      errorExpected: e.expected === undefined ? null : String(e.expected),
      errorReceived: e.received === undefined ? null : String(e.received),
    };
  }
  return { error: String(e), errorName: typeof e };
}

// One client instance is enough for createSiweMessageWithRecaps: the SDK only
// calls its generateSessionCapabilityObjectWithWildcards().
let sharedClient = null;
export function offlineClient() {
  if (!sharedClient) {
    sharedClient = new LitNodeClientNodeJs({ litNetwork: 'custom', debug: false });
  }
  return sharedClient;
}

/**
 * Make a LitNodeClientNodeJs that looks connected (V4, docs/protocol.md#v4): no
 * network, `ready`, the given connectedNodes, a cached blockhash that is
 * "fresh" relative to the faked clock.
 */
export function stubbedClient({ nodes, blockhash }) {
  const client = new LitNodeClientNodeJs({ litNetwork: 'custom', debug: false });
  client.ready = true;
  client.connectedNodes = new Set(nodes);
  client.latestBlockhash = blockhash;
  client.lastBlockHashRetrieved = Date.now();
  // Set so nothing looks "not connected"; getSessionSigs does not use them.
  client.networkPubKey = 'stub-network-pub-key';
  client.subnetPubKey = 'stub-subnet-pub-key';
  client.networkPubKeySet = 'stub-network-pub-key-set';
  client.hdRootPubkeys = [];
  client.serverKeys = {};
  client.config.minNodeCount = nodes.length;
  client.config.bootstrapUrls = [...nodes];
  return client;
}

/**
 * What the SDK's own check (checkNeedToResignSessionKey) would say about an
 * EOA AuthSig at the faked now: official siwe parse + verify.
 * Returns {siweValid: bool, siweError?: string}.
 */
export async function siweVerify(authSig) {
  try {
    const msg = new siwe.SiweMessage(authSig.signedMessage);
    const res = await msg.verify({ signature: authSig.sig }, { suppressExceptions: true });
    if (res.success === true) return { siweValid: true };
    return { siweValid: false, siweError: describeError(res.error).error };
  } catch (e) {
    return { siweValid: false, siweError: describeError(e).error };
  }
}

/**
 * Run one siwe case with the official createSiweMessageWithRecaps and
 * generateAuthSig. `input` has the shape documented in gen-vectors.mjs.
 * Returns {message, authSig} or {error, errorName, ...}.
 */
export async function runSiweInput(input) {
  setNow(input.now ?? DEFAULT_NOW);
  try {
    const resources = makeRequests(input.resources ?? []);
    const params = {
      uri: input.uri,
      nonce: input.nonce,
      litNodeClient: offlineClient(),
      resources,
    };
    if ('walletAddress' in input) params.walletAddress = input.walletAddress;
    if ('expiration' in input) params.expiration = input.expiration;
    if ('domain' in input) params.domain = input.domain;
    if ('statement' in input) params.statement = input.statement;
    if ('chainId' in input) params.chainId = input.chainId;
    const message = await authHelpers.createSiweMessageWithRecaps(params);
    const signer = new ethers.Wallet(input.walletKey);
    const authSig = await authHelpers.generateAuthSig({ signer, toSign: message });
    return { message, authSig, ...(await siweVerify(authSig)) };
  } catch (e) {
    return describeError(e);
  } finally {
    setNow(DEFAULT_NOW);
  }
}

/** Read all of stdin as a string. */
export async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

/** 2-space JSON with trailing newline. */
export function pretty(v) {
  return JSON.stringify(v, null, 2) + '\n';
}
