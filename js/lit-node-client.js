// lit-node-client.js: the official v7 SDK's LitNodeClient and top-level
// helpers over lit-session.js, so that v7 code runs with only its import
// lines changed (docs/migration.md lists every difference).
import { load, loadedModule, LIT_ABILITY } from './lit-session.js';

/** The v7 network names, as the official LIT_NETWORK (naga is not served by the browser module). */
export const LIT_NETWORK = Object.freeze({
  DatilDev: 'datil-dev',
  DatilTest: 'datil-test',
  Datil: 'datil',
  Custom: 'custom',
});

/** The official LIT_RPC. */
export const LIT_RPC = Object.freeze({
  LOCAL_ANVIL: 'http://127.0.0.1:8545',
  CHRONICLE_YELLOWSTONE: 'https://yellowstone-rpc.litprotocol.com',
});

// Each named network's chain RPC and Staking contract, as the official
// @lit-protocol/constants 7.4.0 (RPC_URL_BY_NETWORK, NETWORK_CONTEXT_BY_NETWORK;
// web/package_test.go checks them against the installed package).
export const NETWORK_CONFIG = Object.freeze({
  'datil-dev': Object.freeze({ rpcUrl: LIT_RPC.CHRONICLE_YELLOWSTONE, stakingAddress: '0xD4507CD392Af2c80919219d7896508728f6A623F' }),
  'datil-test': Object.freeze({ rpcUrl: LIT_RPC.CHRONICLE_YELLOWSTONE, stakingAddress: '0xdec37933239846834b3BfD408913Ed3dbEf6588F' }),
  datil: Object.freeze({ rpcUrl: LIT_RPC.CHRONICLE_YELLOWSTONE, stakingAddress: '0x21d636d95eE71150c0c3Ffa79268c989a329d1CE' }),
});

const CONFIG_KEYS = ['litNetwork', 'rpcUrl', 'bootstrapUrls', 'minNodeCount', 'debug', 'storageProvider', 'checkNodeAttestation', 'connectTimeout', 'provider'];

function codeError(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}

// clientConfig turns a LitNodeClient config into createClient's, or throws
// invalid_params naming the bad key.
function clientConfig(config) {
  if (config === null || typeof config !== 'object') {
    throw codeError('invalid_params', "new LitNodeClient needs a config object such as { litNetwork: 'datil-dev' }");
  }
  for (const k of Object.keys(config)) {
    if (!CONFIG_KEYS.includes(k)) {
      throw codeError('invalid_params', `LitNodeClient: unknown config key ${k}; the supported keys are ${CONFIG_KEYS.join(', ')} (docs/migration.md)`);
    }
  }
  if (config.checkNodeAttestation) {
    throw codeError('invalid_params', 'LitNodeClient: checkNodeAttestation: true is not supported (node attestations are not checked); remove it or pass false');
  }
  const out = { debug: !!config.debug };
  const net = config.litNetwork;
  if (net === LIT_NETWORK.Custom) {
    if (config.bootstrapUrls !== undefined) {
      out.bootstrapUrls = config.bootstrapUrls;
      out.minNodeCount = config.minNodeCount;
    } else {
      out.rpcUrl = config.rpcUrl ?? LIT_RPC.LOCAL_ANVIL;
    }
  } else if (Object.hasOwn(NETWORK_CONFIG, net)) {
    if (config.bootstrapUrls !== undefined || config.minNodeCount !== undefined) {
      throw codeError('invalid_params', `LitNodeClient: bootstrapUrls and minNodeCount are for litNetwork 'custom'; ${net} reads its nodes from its staking contract`);
    }
    out.rpcUrl = config.rpcUrl ?? NETWORK_CONFIG[net].rpcUrl;
    out.stakingAddress = NETWORK_CONFIG[net].stakingAddress;
  } else {
    throw codeError('invalid_params', `LitNodeClient: litNetwork must be one of ${Object.values(LIT_NETWORK).map((n) => `'${n}'`).join(', ')} (LIT_NETWORK), got ${JSON.stringify(net)}`);
  }
  if (config.storageProvider !== undefined) {
    const p = config.storageProvider && config.storageProvider.provider;
    if (!p || typeof p.getItem !== 'function') {
      throw codeError('invalid_params', "LitNodeClient: storageProvider must be { provider } with a Web Storage provider, e.g. { provider: new LocalStorage('./lit_storage.db') } from node-localstorage");
    }
    out.storage = p;
  } else if (typeof globalThis.localStorage === 'undefined') {
    out.storage = false; // Node.js without storageProvider: no cache, as the official client
  }
  if (config.connectTimeout !== undefined) out.connectTimeout = config.connectTimeout;
  if (config.provider !== undefined) out.provider = config.provider;
  return out;
}

/**
 * The official v7 LitNodeClient (and LitNodeClientNodeJs): connect to a
 * named network or a custom one, then getSessionSigs.
 */
export class LitNodeClient {
  #client;
  #clientConfig;
  #lit;

  constructor(config = {}) {
    this.#clientConfig = clientConfig(config);
    this.config = { ...config };
    this.ready = false;
    this.connectedNodes = new Set();
    this.latestBlockhash = null;
    this.networkPubKey = null;
  }

  async connect() {
    this.#lit = await load();
    const client = this.#lit.createClient(this.#clientConfig);
    await client.connect();
    this.#client = client;
    this.connectedNodes = new Set(client.connectedNodes);
    this.latestBlockhash = client.latestBlockhash;
    this.networkPubKey = client.networkPublicKey;
    this.config.minNodeCount = client.minNodeCount;
    this.ready = true;
  }

  #connected(what) {
    if (!this.ready || !this.#client) {
      throw codeError('not_connected', `${what}: the client is not connected to the Lit network; call await litNodeClient.connect() first`);
    }
    return this.#client;
  }

  /** The latest blockhash the nodes agree on: the nonce of a SIWE message. */
  async getLatestBlockhash() {
    this.#connected('getLatestBlockhash');
    return this.latestBlockhash;
  }

  /** As the official getSessionSigs; the callback also gets litNodeClient. */
  async getSessionSigs(params) {
    const client = this.#connected('getSessionSigs');
    if (params === null || typeof params !== 'object') {
      throw codeError('invalid_params', 'getSessionSigs needs a params object with resourceAbilityRequests');
    }
    const p = { ...params };
    const user = params.authNeededCallback;
    if (typeof user === 'function') {
      p.authNeededCallback = (cb) => {
        this.latestBlockhash = cb.nonce; // getLatestBlockhash() in the callback gives the nonce the nodes expect
        return user({ ...cb, litNodeClient: this });
      };
    }
    return client.getSessionSigs(p);
  }

  /** Forgets the connection; connect() again to reuse the client. */
  async disconnect() {
    this.#client = undefined;
    this.ready = false;
    this.connectedNodes = new Set();
  }

  /** Removes the cached wallet signature and session key from this client's storage. */
  disconnectWeb3() {
    const lit = this.#lit ?? loadedModule();
    if (!lit) throw codeError('not_connected', 'disconnectWeb3: call await litNodeClient.connect() first');
    lit.disconnectWeb3(this.#clientConfig.storage);
  }
}

/** The official LitNodeClientNodeJs: the same client. */
export { LitNodeClient as LitNodeClientNodeJs };

/**
 * The SIWE message with a ReCap of resources, as the official function; the
 * nonce defaults to litNodeClient's latest blockhash.
 */
export async function createSiweMessageWithRecaps(params) {
  if (params === null || typeof params !== 'object') {
    throw codeError('invalid_params', 'createSiweMessageWithRecaps needs {uri, expiration, resources, walletAddress, nonce}');
  }
  const p = { ...params };
  if (p.nonce === undefined && p.litNodeClient) p.nonce = await p.litNodeClient.getLatestBlockhash();
  delete p.litNodeClient;
  return (await load()).createSiweMessageWithRecaps(p);
}

/** The official createSiweMessage with resources (it adds their ReCap, as createSiweMessageWithRecaps). */
export const createSiweMessage = createSiweMessageWithRecaps;

/**
 * An AuthSig from an ethers-style signer (signMessage, getAddress), as the
 * official generateAuthSig. The address is used as the signer reports it
 * (ethers reports it checksummed).
 */
export async function generateAuthSig({ signer, toSign, address, algo } = {}) {
  if (!signer || typeof signer.signMessage !== 'function') {
    throw codeError('invalid_params', 'generateAuthSig: signer must have a signMessage method (an ethers Wallet or Signer)');
  }
  if (typeof toSign !== 'string') {
    throw codeError('invalid_params', 'generateAuthSig: toSign must be the SIWE message string');
  }
  const sig = await signer.signMessage(toSign);
  const addr = address || (typeof signer.getAddress === 'function' ? await signer.getAddress() : undefined);
  if (!addr) throw codeError('invalid_params', 'generateAuthSig: pass address, or a signer with getAddress()');
  return { sig, derivedVia: 'web3.eth.personal.sign', signedMessage: toSign, address: addr, ...(algo && { algo }) };
}

/** A new Ed25519 session key pair; the module must be loaded (await load() or connect()). */
export function generateSessionKeyPair() {
  const lit = loadedModule();
  if (!lit) {
    throw codeError('not_connected', 'generateSessionKeyPair: the WebAssembly module is not loaded yet; await load() or litNodeClient.connect() first');
  }
  return lit.generateSessionKeyPair();
}
