// lit-session.js: Lit Protocol session signatures in the browser, from the
// Go implementation compiled to WebAssembly (lit-session.wasm, built by
// `make wasm` together with wasm_exec.js beside this file).
//
//   import { load, LitPKPResource, LIT_ABILITY } from './js/lit-session.js';
//   const lit = await load();
//   const client = lit.createClient({ bootstrapUrls: ['http://127.0.0.1:7470'], minNodeCount: 1 });
//   await client.connect();
//   const sessionSigs = await client.getSessionSigs({
//     resourceAbilityRequests: [{ resource: new LitPKPResource('*'), ability: LIT_ABILITY.PKPSigning }],
//   });
//
// PKP delegations for a server (docs/protocol.md#server-session-reuse) come from a second module,
// lit-session-pkp.wasm, fetched on the first PKP call:
//
//   const { delegationAuthSig, sessionKeyPair } = await client.generatePkpDelegationAuthSig({
//     pkpPublicKey, expiration: new Date(Date.now() + 15 * 60e3),
//     resourceAbilityRequests: [{ resource: new LitPKPResource(tokenId), ability: LIT_ABILITY.PKPSigning }],
//   });
//   const envelope = await lit.createDelegationEnvelope({ pkpPublicKey, sessionKeyPair, delegationAuthSig });
//
// Every rejection and exception is an Error with a string `code`; see
// lit-session.d.ts for the list and the whole API.
import './wasm_exec.js';

// The official v7 LitNodeClient and top-level helpers (lit-node-client.js).
export {
  LitNodeClient,
  LitNodeClientNodeJs,
  LIT_NETWORK,
  LIT_RPC,
  NETWORK_CONFIG,
  createSiweMessage,
  createSiweMessageWithRecaps,
  generateAuthSig,
  generateSessionKeyPair,
} from './lit-node-client.js';

/** The Lit abilities, as the official LIT_ABILITY. */
export const LIT_ABILITY = Object.freeze({
  AccessControlConditionDecryption: 'access-control-condition-decryption',
  AccessControlConditionSigning: 'access-control-condition-signing',
  PKPSigning: 'pkp-signing',
  RateLimitIncreaseAuth: 'rate-limit-increase-auth',
  LitActionExecution: 'lit-action-execution',
});

/** The official LitAbility: the same values as LIT_ABILITY. */
export const LitAbility = LIT_ABILITY;

/** The resource prefixes, as the official LIT_RESOURCE_PREFIX. */
export const LIT_RESOURCE_PREFIX = Object.freeze({
  AccessControlCondition: 'lit-accesscontrolcondition',
  PKP: 'lit-pkp',
  RLI: 'lit-ratelimitincrease',
  LitAction: 'lit-litaction',
});

// Resource classes with the official classes' shape: own fields `resource`
// and `resourcePrefix` (so JSON.stringify gives {"resource","resourcePrefix"}
// as the official SDK signs), and the same methods.
class LitResourceBase {
  constructor(resource) {
    if (typeof resource !== 'string') {
      throw codeError('invalid_params', `a resource id must be a string (use '*' for every resource), got ${typeof resource}`);
    }
    this.resource = resource;
  }
  getResourceKey() {
    return `${this.resourcePrefix}://${this.resource}`;
  }
  toString() {
    return this.getResourceKey();
  }
}

export class LitAccessControlConditionResource extends LitResourceBase {
  constructor(resource) {
    super(resource);
    this.resourcePrefix = LIT_RESOURCE_PREFIX.AccessControlCondition;
  }
  isValidLitAbility(a) {
    return a === LIT_ABILITY.AccessControlConditionDecryption || a === LIT_ABILITY.AccessControlConditionSigning;
  }
}

export class LitPKPResource extends LitResourceBase {
  constructor(resource) {
    super(formatPKPResource(resource));
    this.resourcePrefix = LIT_RESOURCE_PREFIX.PKP;
  }
  isValidLitAbility(a) {
    return a === LIT_ABILITY.PKPSigning;
  }
}

export class LitRLIResource extends LitResourceBase {
  constructor(resource) {
    super(resource);
    this.resourcePrefix = LIT_RESOURCE_PREFIX.RLI;
  }
  isValidLitAbility(a) {
    return a === LIT_ABILITY.RateLimitIncreaseAuth;
  }
}

export class LitActionResource extends LitResourceBase {
  constructor(resource) {
    super(resource);
    this.resourcePrefix = LIT_RESOURCE_PREFIX.LitAction;
  }
  isValidLitAbility(a) {
    return a === LIT_ABILITY.LitActionExecution;
  }
}

// The official formatPKPResource: drop 0x, left-pad hex ids to 64.
function formatPKPResource(id) {
  if (typeof id !== 'string') return id;
  let r = id.startsWith('0x') ? id.slice(2) : id;
  if (r.length > 64) {
    throw codeError('invalid_params', `PKP id ${id} is longer than 64 hex characters (32 bytes); pass the PKP token id`);
  }
  if (r !== '*' && /^[0-9A-Fa-f]+$/.test(r)) r = r.padStart(64, '0');
  return r;
}

function codeError(code, message, extra) {
  const e = new Error(message);
  e.code = code;
  if (extra) Object.assign(e, extra);
  return e;
}

// Info of a getSessionSigs result, kept off the SessionSigsMap itself.
const infos = new WeakMap();

/**
 * Returns what a getSessionSigs call did (wallet asked or cache reused,
 * why, timings) for the object it returned, or undefined.
 */
export function getSessionSigsInfo(sessionSigs) {
  return infos.get(sessionSigs);
}

let loading;
let loaded;

/** The loaded module's API, or undefined before load() resolves. */
export function loadedModule() {
  return loaded;
}

/**
 * Loads the WebAssembly module once per page. opts.wasmUrl defaults to
 * lit-session.wasm beside this module; opts.pkpWasmUrl (the PKP module,
 * loaded on the first PKP call) to lit-session-pkp.wasm beside it. With
 * opts.warmUp, lit.warmUp() runs once the page is idle after loading (it
 * does not delay the promise load returns).
 */
export function load(opts = {}) {
  if (!loading) {
    loading = instantiate(opts.wasmUrl ?? new URL('./lit-session.wasm', import.meta.url), '__litSessionReady')
      .then((wasm) => wrap(wasm, opts.pkpWasmUrl ?? new URL('./lit-session-pkp.wasm', import.meta.url)))
      .then((lit) => (loaded = lit));
    loading.catch(() => {
      loading = undefined; // allow a retry
    });
  }
  if (opts.warmUp) {
    loading.then((lit) => whenIdle(() => lit.warmUp().catch(() => {})), () => {});
  }
  return loading;
}

// whenIdle calls fn when the page is next idle (requestIdleCallback, at
// most a second later), or on the next turn of the event loop where there
// is no requestIdleCallback (Node.js, Safari).
function whenIdle(fn) {
  if (typeof globalThis.requestIdleCallback === 'function') {
    globalThis.requestIdleCallback(fn, { timeout: 1000 });
  } else {
    setTimeout(fn, 0);
  }
}

// instantiate runs a Go WebAssembly module and resolves with the API object
// it passes to globalThis[readyName].
async function instantiate(url, readyName) {
  if (typeof globalThis.Go !== 'function') {
    throw codeError('wasm_load_failed', 'wasm_exec.js did not load: it must sit beside lit-session.js (the npm package has it; in the repository, make wasm copies it from $(go env GOROOT)/lib/wasm/)');
  }
  const go = new globalThis.Go();
  const untrack = idleTimers.add(go);
  let instance;
  try {
    ({ instance } = await compile(url, go.importObject));
  } catch (err) {
    throw codeError('wasm_load_failed', `could not load ${url}: ${err.message}; ${loadHint(String(url), err)}`, { cause: err });
  }
  const ready = new Promise((resolve) => {
    globalThis[readyName] = resolve;
  });
  const exited = go.run(instance).then(() => {
    throw codeError('wasm_exited', 'the WebAssembly module exited; reload the page');
  });
  try {
    return idleTimers.track(await Promise.race([ready, exited]));
  } finally {
    delete globalThis[readyName];
    untrack();
  }
}

// idleTimers lets Node.js exit once no call is in flight. Go's js/wasm
// scheduler asks wasm_exec.js for a setTimeout (runtime.scheduleTimeoutEvent)
// whenever it idles with a Go timer pending, e.g. a request round's
// context.WithTimeout(connectTimeout), and does not clear that setTimeout
// when the timer is stopped and nothing else is pending (runtime/lock_js.go,
// beforeIdle): the process would wait for a timer nobody needs. So, under
// Node.js, the runtime's timeouts are unref'd while no call is in flight and
// ref'd while one is (a call may wait on a Go timer alone); unref'd ones
// still fire if the process lives on. A call in flight is the loading of a
// module or a promise that a function of its API (or of an object such a
// function returned) returned, until it settles. Browsers are unaffected:
// their timeout handles are numbers.
const idleTimers = (() => {
  const runtimes = new Set();
  let inflight = 0;
  const isNode = typeof globalThis.process?.versions?.node === 'string';

  // sync sets the ref state of go's pending timeouts (wasm_exec.js keeps
  // them in _scheduledTimeouts; it ships beside this file, from the same Go).
  function sync(go) {
    for (const h of go._scheduledTimeouts?.values?.() ?? []) {
      if (typeof h?.unref !== 'function') return;
      if (inflight > 0) h.ref();
      else h.unref();
    }
  }
  function settle(delta) {
    inflight += delta;
    if ((delta > 0 && inflight === 1) || inflight === 0) runtimes.forEach(sync);
  }

  // track wraps an API object so that the promises its functions return
  // count as calls in flight, and wraps the plain objects they return or it
  // holds the same way (createClient's {client}, the client's connect and
  // getSessionSigs, createDevWallet's {provider} and its request).
  function track(api) {
    if (!isNode || api === null || typeof api !== 'object' || Object.getPrototypeOf(api) !== Object.prototype) return api;
    return new Proxy(api, {
      get(target, key, receiver) {
        const v = Reflect.get(target, key, receiver);
        if (typeof v !== 'function') return track(v);
        return function (...args) {
          const r = v.apply(this === receiver ? target : this, args);
          if (r && typeof r.then === 'function') {
            settle(1);
            return Promise.resolve(r).finally(() => settle(-1));
          }
          return track(r);
        };
      },
    });
  }

  return {
    // add patches go's import of scheduleTimeoutEvent and counts its
    // loading as a call in flight until the returned function is called.
    add(go) {
      if (!isNode) return () => {};
      const imports = go.importObject?.gojs;
      const schedule = imports?.['runtime.scheduleTimeoutEvent'];
      if (typeof schedule === 'function') {
        imports['runtime.scheduleTimeoutEvent'] = (sp) => {
          schedule(sp);
          sync(go);
        };
      }
      runtimes.add(go);
      settle(1);
      let done = false;
      return () => {
        if (!done) settle(-1);
        done = true;
      };
    },
    track,
  };
})();

// compile fetches and instantiates the module at url: from disk for a
// file: URL (Node.js), otherwise with fetch, compiling while it downloads
// (WebAssembly.instantiateStreaming). instantiateStreaming refuses a body
// whose Content-Type is not application/wasm, which many hosts get wrong
// (application/octet-stream, text/plain), so the body is handed to it in a
// new Response of that type; the whole body is read first only where
// streaming is unavailable.
async function compile(url, imports) {
  const href = String(url);
  if (href.startsWith('file:')) {
    return WebAssembly.instantiate(await readFileURL(href), imports);
  }
  const resp = await fetch(url);
  if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
  if (typeof WebAssembly.instantiateStreaming === 'function' && typeof Response === 'function' && resp.body) {
    const wasm = (resp.headers.get('content-type') || '').split(';')[0].trim().toLowerCase() === 'application/wasm'
      ? resp
      : new Response(resp.body, { status: resp.status, statusText: resp.statusText, headers: { 'Content-Type': 'application/wasm' } });
    return WebAssembly.instantiateStreaming(wasm, imports);
  }
  return WebAssembly.instantiate(await resp.arrayBuffer(), imports);
}

// The Node.js module that reads a file: URL. The specifier is a variable
// and the import carries the bundlers' ignore comments, so that no bundler
// tries to resolve it for a browser build.
const NODE_FS = 'node:fs/promises';

async function readFileURL(href) {
  let fs = globalThis.process?.getBuiltinModule?.(NODE_FS);
  if (!fs) {
    try {
      fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ NODE_FS);
    } catch {
      throw new Error('a file: URL can only be read under Node.js; in a browser serve the page and the package over http(s)');
    }
  }
  return fs.readFile(new URL(href));
}

// loadHint says how to fix a module that did not load, from where it was
// looked for and what came back (a 404, or an HTML page instead of wasm:
// a bundler moved lit-session.js without its .wasm files).
function loadHint(href, err) {
  const msg = String(err && err.message);
  if (href.includes('/.vite/')) {
    return "Vite's dev server pre-bundled @litgo/litsession away from its .wasm files: add optimizeDeps: { exclude: ['@litgo/litsession'] } to vite.config.js (README, Bundlers and runtimes)";
  }
  if (/HTTP 404|magic word/.test(msg)) {
    return 'the file is not at that URL: a bundler moved lit-session.js without its .wasm files. ' +
      "With esbuild add --loader:.wasm=file, with Rollup @rollup/plugin-url, then import wasmUrl from '@litgo/litsession/lit-session.wasm' " +
      "(and pkpWasmUrl from '@litgo/litsession/lit-session-pkp.wasm') and call load({ wasmUrl, pkpWasmUrl }); " +
      "with Vite's dev server add optimizeDeps: { exclude: ['@litgo/litsession'] } (README, Bundlers and runtimes)";
  }
  return 'serve the package folder (lit-session.js beside its .wasm files) over http(s), or pass load({ wasmUrl, pkpWasmUrl })';
}

// unwrap returns r.key or throws r.error (the Go side returns errors from
// synchronous calls instead of throwing across the boundary).
function unwrap(r, key) {
  if (r.error) throw r.error;
  return r[key];
}

function normalizeRequests(reqs, where) {
  if (!Array.isArray(reqs) || reqs.length === 0) {
    throw codeError('invalid_params', `${where}: resourceAbilityRequests must be a non-empty array of {resource, ability}, e.g. [{resource: new LitPKPResource('*'), ability: LIT_ABILITY.PKPSigning}]`);
  }
  return reqs.map((q, i) => {
    const r = q && q.resource;
    if (!r || typeof r.resource !== 'string' || typeof r.resourcePrefix !== 'string') {
      throw codeError('invalid_params', `${where}: resourceAbilityRequests[${i}].resource must be a resource object like new LitActionResource('*') (own fields resource and resourcePrefix)`);
    }
    if (typeof q.ability !== 'string') {
      throw codeError('invalid_params', `${where}: resourceAbilityRequests[${i}].ability must be a string such as LIT_ABILITY.LitActionExecution`);
    }
    const out = { resource: { resource: r.resource, resourcePrefix: r.resourcePrefix }, ability: q.ability };
    if (q.data !== undefined) out.data = q.data;
    return out;
  });
}

// Error codes after which a PKP client handshakes again on the next call:
// the Reconnect rows of core/errcode's Table (core/errcode/js_test.go checks).
const RECONNECT_CODES = new Set(['nodes_unreachable', 'not_enough_nodes', 'node_error', 'not_connected', 'timeout']);

function wrap(wasm, pkpWasmUrl) {
  // The PKP module (lit-session-pkp.wasm: delegations, envelopes; it links
  // BLS12-381, so it is a separate download) is loaded on first use.
  let pkpLoading;
  function loadPkp() {
    if (!pkpLoading) {
      pkpLoading = instantiate(pkpWasmUrl, '__litSessionPkpReady').then(wrapPkp);
      pkpLoading.catch(() => {
        pkpLoading = undefined;
      });
    }
    return pkpLoading;
  }

  const lit = {
    version: wasm.version,

    /**
     * Runs the code of a first connect, getSessionSigs and SIWE message once
     * on made-up data inside the module (no request, no storage, no wallet),
     * so that the user's first calls run compiled code. Once per page;
     * resolves with the milliseconds it took. load({ warmUp: true }) calls it
     * when the page is idle.
     */
    warmUp() {
      return wasm.warmUp();
    },

    /** Creates a client for one Lit network; see LitClient in the .d.ts. */
    createClient(config = {}) {
      const c = unwrap(wasm.createClient(config), 'client');
      const client = {
        connectedNodes: [],
        latestBlockhash: undefined,
        minNodeCount: undefined,
        networkPublicKey: undefined,
        ready: false,
        async connect() {
          const r = JSON.parse(await c.connect());
          client.connectedNodes = r.connectedNodes;
          client.latestBlockhash = r.latestBlockhash;
          client.minNodeCount = r.minNodeCount;
          client.networkPublicKey = r.networkPublicKey;
          client.connectMs = r.connectMs;
          client.ready = true;
          return client;
        },
        async generatePkpDelegationAuthSig(params = {}) {
          if (params === null || typeof params !== 'object') {
            throw codeError('invalid_params', 'generatePkpDelegationAuthSig needs {pkpPublicKey, resourceAbilityRequests, expiration}');
          }
          if (!client.ready) {
            throw codeError('not_connected', 'generatePkpDelegationAuthSig: the client is not connected to the Lit network; call await client.connect() first');
          }
          const body = {
            pkpPublicKey: params.pkpPublicKey,
            sessionKeyPair: params.sessionKeyPair,
            resourceAbilityRequests: normalizeRequests(params.resourceAbilityRequests, 'generatePkpDelegationAuthSig'),
            expiration: params.expiration instanceof Date ? params.expiration.toISOString() : params.expiration,
            domain: params.domain,
            statement: params.statement,
          };
          const pkp = await loadPkp();
          const pc = await pkp._clientFor(client, config);
          try {
            const r = await pc.generatePkpDelegationAuthSig(JSON.stringify(body));
            return {
              delegationAuthSig: JSON.parse(r.delegationAuthSig),
              sessionKeyPair: { publicKey: r.sessionKeyPair.publicKey, secretKey: r.sessionKeyPair.secretKey },
            };
          } catch (err) {
            if (RECONNECT_CODES.has(err.code)) pkp._forget(client);
            throw err;
          }
        },
        async getSessionSigs(params = {}) {
          const { sessionSigs } = await client.getSessionSigsWithInfo(params);
          return sessionSigs;
        },
        async getSessionSigsWithInfo(params = {}) {
          if (params === null || typeof params !== 'object') {
            throw codeError('invalid_params', 'getSessionSigs needs a params object with resourceAbilityRequests');
          }
          const reqs = normalizeRequests(params.resourceAbilityRequests, 'getSessionSigs');
          const body = {
            chain: params.chain,
            resourceAbilityRequests: reqs,
            expiration: params.expiration,
            capabilityAuthSigs: params.capabilityAuthSigs,
            capacityDelegationAuthSig: params.capacityDelegationAuthSig,
            sessionKey: params.sessionKey,
            domain: params.domain,
            walletAddress: params.walletAddress,
            switchChain: !!params.switchChain,
            product: params.product,
            userMaxPrice: params.userMaxPrice === undefined || params.userMaxPrice === null ? undefined : String(params.userMaxPrice),
          };
          let cb;
          if (params.authNeededCallback !== undefined) {
            const user = params.authNeededCallback;
            if (typeof user !== 'function') throw codeError('invalid_params', 'getSessionSigs: authNeededCallback must be a function');
            cb = async (json) => {
              const p = JSON.parse(json);
              // The caller's own resource objects (e.g. official class instances).
              p.resourceAbilityRequests = params.resourceAbilityRequests;
              return user(p);
            };
          }
          const r = await c.getSessionSigs(JSON.stringify(body), cb);
          const sessionSigs = JSON.parse(r.sessionSigs);
          const info = JSON.parse(r.info);
          infos.set(sessionSigs, info);
          Object.defineProperty(sessionSigs, 'info', { value: info, enumerable: false });
          return { sessionSigs, info };
        },
      };
      return client;
    },

    /** A new Ed25519 session key pair {publicKey, secretKey} (hex). */
    generateSessionKeyPair() {
      const r = wasm.generateSessionKeyPair();
      if (r.error) throw r.error;
      return { publicKey: r.publicKey, secretKey: r.secretKey };
    },

    /**
     * Forgets the wallet: removes the cached wallet signature and session
     * key (and the official SDK's other wallet keys) from localStorage, or
     * from the given Web Storage object.
     */
    disconnectWeb3(storage) {
      const r = wasm.disconnectWeb3(storage);
      if (r.error) throw r.error;
    },

    /** The SIWE message with a ReCap of resources, as the official function. */
    async createSiweMessageWithRecaps(params) {
      if (params === null || typeof params !== 'object') {
        throw codeError('invalid_params', 'createSiweMessageWithRecaps needs {uri, expiration, resources, walletAddress, nonce}');
      }
      const body = { ...params, resources: normalizeRequests(params.resources, 'createSiweMessageWithRecaps') };
      delete body.litNodeClient;
      return wasm.createSiweMessageWithRecaps(JSON.stringify(body));
    },

    /**
     * A built-in EIP-1193 wallet with a burner key kept in localStorage
     * (opts.storageKey, default 'litsession-dev-wallet-key'), or opts.privateKey.
     * For local development only: the key is stored in clear text.
     */
    createDevWallet(opts = {}) {
      return unwrap(wasm.createDevWallet(opts), 'provider');
    },

    /**
     * Loads the PKP module (lit-session-pkp.wasm) if needed and resolves
     * with its synchronous functions; the PKP functions below load it too.
     */
    loadPkp,

    /** The envelope {pkpPublicKey, payload} a server reuses the session with (core/envelope). */
    async createDelegationEnvelope(params) {
      return (await loadPkp()).createDelegationEnvelope(params);
    },

    getSessionSigsInfo,
    LIT_ABILITY,
    LIT_RESOURCE_PREFIX,
    LitAccessControlConditionResource,
    LitPKPResource,
    LitRLIResource,
    LitActionResource,
  };
  return Object.freeze(lit);
}

// wrapPkp wraps the PKP module's API object.
function wrapPkp(raw) {
  // One PKP client per LitClient, for its connected node set: the PKP
  // module is a separate Go program, so it handshakes with those nodes
  // itself (and checks that they report the same network key).
  const clients = new WeakMap();
  const pkp = {
    version: raw.version,

    /** The envelope {pkpPublicKey, payload}, exactly as core/envelope encodes it. */
    createDelegationEnvelope(params) {
      if (params === null || typeof params !== 'object') {
        throw codeError('invalid_params', 'createDelegationEnvelope needs {pkpPublicKey, sessionKeyPair, delegationAuthSig}');
      }
      const body = {
        pkpPublicKey: params.pkpPublicKey,
        sessionKeyPair: params.sessionKeyPair,
        delegationAuthSig: typeof params.delegationAuthSig === 'string' ? JSON.parse(params.delegationAuthSig) : params.delegationAuthSig,
      };
      return JSON.parse(unwrap(raw.createDelegationEnvelope(JSON.stringify(body)), 'envelope'));
    },

    /** The uncompressed public key (0x04…) that made signature over the 32-byte digest. */
    recoverPublicKey(digest, signature) {
      return unwrap(raw.recoverPublicKey(digest, signature), 'publicKey');
    },

    /** keccak256 of a Uint8Array, or of a string's UTF-8 bytes, as 0x-hex. */
    keccak256(data) {
      return unwrap(raw.keccak256(data), 'hash');
    },
  };
  Object.defineProperties(pkp, {
    _clientFor: {
      async value(client, config) {
        const key = [client.connectedNodes.join(' '), client.minNodeCount, client.networkPublicKey].join('|');
        let entry = clients.get(client);
        if (!entry || entry.key !== key) {
          const c = unwrap(raw.createClient({
            bootstrapUrls: client.connectedNodes,
            minNodeCount: client.minNodeCount,
            networkPublicKey: client.networkPublicKey,
            connectTimeout: config.connectTimeout,
            provider: config.provider,
            network: config.network,
            rpcUrl: config.rpcUrl,
            stakingAddress: config.stakingAddress,
            priceFeedAddress: config.priceFeedAddress,
            indexerUrl: config.indexerUrl,
          }), 'client');
          entry = { key, connecting: c.connect().then(() => c) };
          clients.set(client, entry);
          entry.connecting.catch(() => {
            if (clients.get(client) === entry) clients.delete(client);
          });
        }
        return entry.connecting;
      },
    },
    _forget: {
      value(client) {
        clients.delete(client);
      },
    },
  });
  return Object.freeze(pkp);
}
