// Types for lit-session.js: Lit Protocol session signatures from the Go
// implementation compiled to WebAssembly.

/** The `code` of every Error this module throws or rejects with. */
export type LitSessionErrorCode =
  | 'invalid_params'        // a bad argument; the message names it and the fix
  | 'no_wallet'             // no window.ethereum / provider and no authNeededCallback
  | 'wallet_rejected'       // the user declined in the wallet (EIP-1193 4001); nothing was cached
  | 'wallet_error'          // the wallet failed otherwise (locked, no account, bad answer)
  | 'wrong_network'         // switchChain: the wallet cannot switch chains
  | 'auth_callback_failed'  // authNeededCallback threw
  | 'invalid_auth_sig'      // the wallet's/callback's AuthSig fails a check (err.rule says which)
  | 'not_connected'         // getSessionSigs before connect()
  | 'nodes_unreachable'     // no Lit node answered (err.nodes: URL → reason)
  | 'not_enough_nodes'      // fewer than minNodeCount answered (err.nodes)
  | 'node_error'            // a node answered with an error
  | 'rpc_error'             // the chain RPC rejected the staking call
  | 'storage_unavailable'   // localStorage is missing or threw
  | 'delegation_refused'    // PKP module: a delegation fails a check (err.reason says which)
  | 'timeout'
  | 'wasm_load_failed'
  | 'wasm_exited'
  | 'internal';

export interface LitSessionError extends Error {
  code: LitSessionErrorCode;
  /** nodes_unreachable / not_enough_nodes: why each node failed. */
  nodes?: Record<string, string>;
  /** invalid_auth_sig: the failed rule, e.g. "scope", "expired". */
  rule?: string;
  /** delegation_refused: the failed check, e.g. "wrong_session_key", "bad_signature" (docs/server-reuse.md). */
  reason?: string;
  /** The wallet's or callback's own error, when there was one. */
  cause?: unknown;
}

export const LIT_ABILITY: {
  readonly AccessControlConditionDecryption: 'access-control-condition-decryption';
  readonly AccessControlConditionSigning: 'access-control-condition-signing';
  readonly PKPSigning: 'pkp-signing';
  readonly RateLimitIncreaseAuth: 'rate-limit-increase-auth';
  readonly LitActionExecution: 'lit-action-execution';
};
export type LitAbility = (typeof LIT_ABILITY)[keyof typeof LIT_ABILITY];

export const LIT_RESOURCE_PREFIX: {
  readonly AccessControlCondition: 'lit-accesscontrolcondition';
  readonly PKP: 'lit-pkp';
  readonly RLI: 'lit-ratelimitincrease';
  readonly LitAction: 'lit-litaction';
};

/**
 * A resource in the official SDK's shape: own fields `resource` (id or '*')
 * and `resourcePrefix`. Instances of the official @lit-protocol/auth-helpers
 * classes work as they are.
 */
export interface LitResource {
  resource: string;
  resourcePrefix: string;
}

declare class LitResourceBase implements LitResource {
  constructor(resource: string);
  resource: string;
  resourcePrefix: string;
  getResourceKey(): string;
  toString(): string;
  isValidLitAbility(ability: string): boolean;
}
export class LitAccessControlConditionResource extends LitResourceBase {}
/** Normalizes the id as the official class does (no 0x, hex padded to 64). */
export class LitPKPResource extends LitResourceBase {}
export class LitRLIResource extends LitResourceBase {}
export class LitActionResource extends LitResourceBase {}

export interface ResourceAbilityRequest {
  resource: LitResource;
  ability: LitAbility | string;
  /** ReCap nota bene data. */
  data?: Record<string, unknown>;
}

export interface AuthSig {
  sig: string;
  derivedVia: string;
  signedMessage: string;
  address: string;
  algo?: string;
}

/** A node's session signature: AuthSig with derivedVia litSessionSignViaNacl, algo ed25519. */
export type SessionSig = Required<AuthSig>;

/** Session signatures keyed by node URL, as the official SessionSigsMap. */
export type SessionSigsMap = Record<string, SessionSig>;

export interface AuthNeededParams {
  chain: string;
  /** The ReCap sentence and resource a message must carry to be accepted. */
  statement: string;
  resources: string[];
  expiration: string;
  /** lit:session:<session public key>. */
  uri: string;
  /** The latest blockhash. */
  nonce: string;
  domain?: string;
  /** The caller's own request objects. */
  resourceAbilityRequests: ResourceAbilityRequest[];
  /** Only the public key: the callback has no use for the secret. */
  sessionKey: { publicKey: string };
}

export interface GetSessionSigsParams {
  /** Default 'ethereum'. */
  chain?: string;
  resourceAbilityRequests: ResourceAbilityRequest[];
  /** ISO time; default now + 24 h (capped at the cached wallet signature's expiry). */
  expiration?: string;
  /** Signs the SIWE message; default: the client's provider (window.ethereum) with personal_sign. */
  authNeededCallback?: (params: AuthNeededParams) => AuthSig | Promise<AuthSig>;
  capabilityAuthSigs?: AuthSig[];
  capacityDelegationAuthSig?: AuthSig;
  /** Use this key instead of the cached one (neither read nor stored). */
  sessionKey?: { publicKey: string; secretKey: string };
  /** SIWE domain; default 'localhost'. */
  domain?: string;
  /**
   * The address of the account that signs (checked against the AuthSig).
   * With an authNeededCallback on naga it keys the cache, which is per
   * address; without it nothing is cached there.
   */
  walletAddress?: string;
  /** Switch the wallet to `chain` before signing (adds the chain on 4902). */
  switchChain?: boolean;
  /**
   * naga: the product the session sigs are priced for, which picks the
   * threshold cheapest nodes for it; default 'LIT_ACTION' (as v8's
   * createPkpSessionSigs). pkpSign needs 'SIGN'.
   */
  product?: NagaProduct;
  /**
   * naga: the most one request may cost in wei, shared out as each node's
   * maxPrice (v8's formula); default 2^128 - 1. A bigint or a decimal string.
   */
  userMaxPrice?: bigint | string;
}

/** The naga products session signatures are priced for. */
export type NagaProduct = 'LIT_ACTION' | 'SIGN' | 'SIGN_SESSION_KEY';

/** The Lit protocol generations createClient speaks. */
export type LitProtocol = 'datil' | 'naga';

/** What a getSessionSigs call did. */
export interface SessionSigsInfo {
  walletAsked: boolean;
  cacheReused: boolean;
  sessionKeyCreated: boolean;
  walletAddress: string;
  /** Why the wallet was asked: missing, corrupt, foreign, expired, scope, other_session_key, other_account, … ('' when not). */
  rule: string;
  reason: string;
  expiration: string;
  warnings: string[];
  sessionPublicKey: string;
  timings: { totalMs: number; walletMs: number };
}

export interface LitClientConfig {
  /**
   * The protocol generation of the network: 'datil' (v7, the default) or
   * 'naga' (v8: end-to-end encrypted requests, priced nodes; session sigs
   * go to the threshold cheapest nodes for the product, and the cache uses
   * v8's per-address keys, see cache).
   */
  network?: LitProtocol;
  /** Node URLs, e.g. ['http://127.0.0.1:7470']; needs minNodeCount. */
  bootstrapUrls?: string[];
  minNodeCount?: number;
  /** Or read the validators from the staking contract at this JSON-RPC URL. */
  rpcUrl?: string;
  stakingAddress?: string;
  /** naga: the PriceFeed contract; default naga's. Prices are read through rpcUrl. */
  priceFeedAddress?: string;
  /** The block indexer for the SIWE nonce; default rpcUrl + '/get_most_recent_valid_block', else a handshake. */
  indexerUrl?: string;
  /** Milliseconds for each round of node requests; default 20000. */
  connectTimeout?: number;
  /** The EIP-1193 wallet; default window.ethereum at call time. */
  provider?: { request(args: { method: string; params?: unknown }): Promise<unknown> };
  /**
   * naga: the appName and networkName of the v8 storage plugin
   * (storagePlugins.localStorage({appName, networkName})) whose entries the
   * cache shares: lit-auth:<appName>:<networkName>:<address>. Pass the ones
   * your page gave the official v8 SDK to keep its sessions. Default
   * 'lit-session' and 'naga'. Not allowed on datil.
   */
  appName?: string;
  networkName?: string;
  /** Web Storage for the cache; default window.localStorage; false for none. */
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | false;
  /** Log steps (never secrets) to console.debug. */
  debug?: boolean;
}

export interface LitClient {
  connect(): Promise<LitClient>;
  ready: boolean;
  connectedNodes: string[];
  latestBlockhash?: string;
  minNodeCount?: number;
  networkPublicKey?: string;
  connectMs?: number;
  /** The map has a non-enumerable `info` (also getSessionSigsInfo(map)). */
  getSessionSigs(params: GetSessionSigsParams): Promise<SessionSigsMap & { readonly info: SessionSigsInfo }>;
  getSessionSigsWithInfo(params: GetSessionSigsParams): Promise<{ sessionSigs: SessionSigsMap; info: SessionSigsInfo }>;
  /**
   * Has the connected nodes delegate from a PKP to a session key, for a
   * server to reuse (naga's generatePkpDelegationAuthSig, docs/protocol.md#server-session-reuse):
   * the client's wallet, which must be permitted for the PKP (its owner),
   * signs an EthWallet auth method (one personal_sign), and a fresh,
   * uncached sign_session_key round returns the PKP's LIT_BLS AuthSig,
   * verified under the network key. Loads lit-session-pkp.wasm on first use.
   */
  generatePkpDelegationAuthSig(params: GeneratePkpDelegationParams): Promise<PkpDelegation>;
}

export interface GeneratePkpDelegationParams {
  /** The delegating PKP: 0x04 + 128 hex (or compressed 0x02/0x03 + 64 hex). */
  pkpPublicKey: string;
  /** The session key to delegate to; default a new one. Only its public key is sent. */
  sessionKeyPair?: { publicKey: string; secretKey: string };
  /** Everything the session may do: scope it to this PKP (new LitPKPResource(tokenId)), not '*'. */
  resourceAbilityRequests: ResourceAbilityRequest[];
  /** Required. Until then the session key is a bearer credential for the PKP: keep it short. */
  expiration: string | Date;
  /** SIWE domain; default 'localhost'. */
  domain?: string;
  /** Appended to the SIWE statement. */
  statement?: string;
}

export interface PkpDelegation {
  /** The PKP's LIT_BLS AuthSig (sig is '{"ProofOfPossession":"<192 hex>"}'). */
  delegationAuthSig: Required<AuthSig>;
  /**
   * The delegated session key. secretKey is 128 hex (seed and public key)
   * on datil, 64 hex (the seed, as v8's generateSessionKeyPair) on naga.
   * Keep it secret.
   */
  sessionKeyPair: { publicKey: string; secretKey: string };
}

export interface CreateDelegationEnvelopeParams {
  pkpPublicKey: string;
  sessionKeyPair: { publicKey: string; secretKey: string };
  delegationAuthSig: AuthSig | string;
}

/**
 * naga's server-reuse envelope (docs/server-reuse.md): payload is the
 * base64url (no padding) of {"sessionKeyPair","delegationAuthSig"}.
 * JSON.stringify gives the exact bytes core/envelope writes. It holds the
 * session secret: a bearer credential for the PKP, within the delegation's
 * ReCap, until it expires. Send it only to your server over a secure
 * channel; never log or display it.
 */
export interface DelegationEnvelope {
  pkpPublicKey: string;
  payload: string;
}

/** The PKP module's synchronous functions (lit.loadPkp()). */
export interface LitPkp {
  readonly version: string;
  /**
   * The envelope for a server. Besides the format's checks it refuses
   * (delegation_refused, reason wrong_pkp / wrong_session_key) a
   * delegation from another PKP or for another session key; the server
   * checks the signature and expiry against the network.
   */
  createDelegationEnvelope(params: CreateDelegationEnvelopeParams): DelegationEnvelope;
  /**
   * The uncompressed public key (0x04 + 128 hex) that made signature over
   * digest (32 bytes: 0x-hex or Uint8Array). signature is 65 bytes hex
   * (r, s, v with v 0/1 or 27/28) or pkpSign's {r, s, recid}.
   */
  recoverPublicKey(digest: string | Uint8Array, signature: string | { r: string; s: string; recid: number }): string;
  /** keccak256 as 0x-hex: of the bytes, or of a string's UTF-8 encoding (like ethers' id()). */
  keccak256(data: string | Uint8Array): string;
}

export interface CreateSiweParams {
  uri: string;
  expiration: string;
  resources: ResourceAbilityRequest[];
  walletAddress: string;
  nonce: string;
  domain?: string;
  statement?: string;
  chainId?: number;
}

export interface DevWallet {
  readonly isLitSessionDevWallet: true;
  readonly address: string;
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

export interface LitSession {
  readonly version: string;
  createClient(config: LitClientConfig): LitClient;
  generateSessionKeyPair(): { publicKey: string; secretKey: string };
  /** Removes the cached wallet signature and session key (and the SDK's other wallet keys). */
  disconnectWeb3(storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>): void;
  createSiweMessageWithRecaps(params: CreateSiweParams): Promise<string>;
  /** A built-in EIP-1193 wallet with a burner key in localStorage; for local development only. */
  createDevWallet(opts?: { privateKey?: string; storageKey?: string; storage?: Storage }): DevWallet;
  getSessionSigsInfo(sessionSigs: SessionSigsMap): SessionSigsInfo | undefined;
  /**
   * Runs the code of a first connect, getSessionSigs and SIWE message once,
   * inside the module on made-up data: no network request, no storage
   * write, no wallet call. The user's first connect() and getSessionSigs()
   * then run compiled code. Once per page (later calls return the same
   * promise); resolves with the milliseconds it took. It occupies the main
   * thread while it runs, so call it when the page is idle, or pass
   * load({ warmUp: true }).
   */
  warmUp(): Promise<number>;
  /**
   * Loads lit-session-pkp.wasm (the PKP module: delegations, envelopes;
   * it links BLS12-381, so it is not part of lit-session.wasm) once, and
   * resolves with its functions. The PKP functions load it on first use.
   */
  loadPkp(): Promise<LitPkp>;
  /** LitPkp.createDelegationEnvelope, loading the PKP module first. */
  createDelegationEnvelope(params: CreateDelegationEnvelopeParams): Promise<DelegationEnvelope>;
  LIT_ABILITY: typeof LIT_ABILITY;
  LIT_RESOURCE_PREFIX: typeof LIT_RESOURCE_PREFIX;
  LitAccessControlConditionResource: typeof LitAccessControlConditionResource;
  LitPKPResource: typeof LitPKPResource;
  LitRLIResource: typeof LitRLIResource;
  LitActionResource: typeof LitActionResource;
}

export interface LoadOptions {
  /** Where lit-session.wasm is; default beside this module. */
  wasmUrl?: string | URL;
  /** Where the PKP module is fetched from on first use; default lit-session-pkp.wasm beside this module. */
  pkpWasmUrl?: string | URL;
  /**
   * Run lit.warmUp() when the page is next idle after loading
   * (requestIdleCallback; without it, on the next task). The promise load
   * returns does not wait for it.
   */
  warmUp?: boolean;
}

/**
 * Loads lit-session.wasm (default: beside this module) once per page,
 * compiling it while it downloads (any Content-Type is accepted).
 */
export function load(opts?: LoadOptions): Promise<LitSession>;
export function getSessionSigsInfo(sessionSigs: SessionSigsMap): SessionSigsInfo | undefined;

// ---- The official v7 LitNodeClient and top-level helpers (lit-node-client.js) ----

/** The official LitAbility: the same values as LIT_ABILITY. */
export const LitAbility: typeof LIT_ABILITY;

export const LIT_NETWORK: {
  readonly DatilDev: 'datil-dev';
  readonly DatilTest: 'datil-test';
  readonly Datil: 'datil';
  readonly Custom: 'custom';
};
export type LitNetwork = (typeof LIT_NETWORK)[keyof typeof LIT_NETWORK];

export const LIT_RPC: {
  readonly LOCAL_ANVIL: 'http://127.0.0.1:8545';
  readonly CHRONICLE_YELLOWSTONE: 'https://yellowstone-rpc.litprotocol.com';
};

/** Each named network's chain RPC and Staking contract, as the official constants. */
export const NETWORK_CONFIG: Readonly<Record<'datil-dev' | 'datil-test' | 'datil', { readonly rpcUrl: string; readonly stakingAddress: string }>>;

export interface LitNodeClientConfig {
  litNetwork: LitNetwork;
  /** The chain RPC; default the network's (custom: http://127.0.0.1:8545). */
  rpcUrl?: string;
  /** litNetwork 'custom' only: the nodes, with minNodeCount. */
  bootstrapUrls?: string[];
  minNodeCount?: number;
  debug?: boolean;
  /** The cache, e.g. { provider: new LocalStorage('./lit_storage.db') } (node-localstorage); default localStorage. */
  storageProvider?: { provider: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> };
  /** Only false: node attestations are not checked. */
  checkNodeAttestation?: false;
  /** Milliseconds for each round of node requests; default 20000. */
  connectTimeout?: number;
  /** The EIP-1193 wallet for getSessionSigs without authNeededCallback; default window.ethereum. */
  provider?: LitClientConfig['provider'];
}

export interface LitNodeClientAuthNeededParams extends AuthNeededParams {
  litNodeClient: LitNodeClient;
}

export interface LitNodeClientGetSessionSigsParams extends Omit<GetSessionSigsParams, 'authNeededCallback'> {
  authNeededCallback?: (params: LitNodeClientAuthNeededParams) => AuthSig | Promise<AuthSig>;
}

/**
 * The official v7 LitNodeClient: unknown config keys are an invalid_params
 * error. getSessionSigs' callback gets litNodeClient like the official one.
 */
export class LitNodeClient {
  constructor(config: LitNodeClientConfig);
  readonly config: LitNodeClientConfig;
  ready: boolean;
  connectedNodes: Set<string>;
  latestBlockhash: string | null;
  networkPubKey: string | null;
  connect(): Promise<void>;
  getLatestBlockhash(): Promise<string>;
  getSessionSigs(params: LitNodeClientGetSessionSigsParams): Promise<SessionSigsMap & { readonly info: SessionSigsInfo }>;
  disconnect(): Promise<void>;
  disconnectWeb3(): void;
}
export { LitNodeClient as LitNodeClientNodeJs };

export interface CreateSiweMessageParams extends Omit<CreateSiweParams, 'nonce'> {
  /** Default: litNodeClient's latest blockhash. */
  nonce?: string;
  litNodeClient?: LitNodeClient;
}
export function createSiweMessageWithRecaps(params: CreateSiweMessageParams): Promise<string>;
export function createSiweMessage(params: CreateSiweMessageParams): Promise<string>;

/** Anything with signMessage, such as an ethers Wallet or Signer. */
export interface AuthSigSigner {
  signMessage(message: string): Promise<string>;
  getAddress?(): Promise<string>;
}
export function generateAuthSig(params: { signer: AuthSigSigner; toSign: string; address?: string; algo?: 'ed25519' }): Promise<AuthSig>;
/** Needs the module loaded (await load() or connect()). */
export function generateSessionKeyPair(): { publicKey: string; secretKey: string };
/** The loaded module's API, or undefined before load() resolves. */
export function loadedModule(): LitSession | undefined;
