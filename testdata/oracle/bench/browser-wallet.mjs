// The benchmark page's test signer: ethers' Wallet (bundled on its own by
// bench/bundle.mjs; it stands in for a wallet extension and is not part of
// the size of the official client).
export { Wallet } from 'ethers';
