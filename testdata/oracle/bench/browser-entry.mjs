// What a dApp ships to get EOA session signatures with the official Lit JS
// SDK 7.4.0 in the browser: the browser client and the auth helpers of the
// documented authNeededCallback (createSiweMessageWithRecaps,
// generateAuthSig). Bundled by bench/bundle.mjs into lit-official.js, the
// file whose size make bench reports.
export { LitNodeClient } from '@lit-protocol/lit-node-client';
export {
  createSiweMessageWithRecaps,
  generateAuthSig,
  LitPKPResource,
  LitActionResource,
} from '@lit-protocol/auth-helpers';
export { LIT_ABILITY, LIT_NETWORK, RPC_URL_BY_NETWORK } from '@lit-protocol/constants';
