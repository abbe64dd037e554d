// Loaded with `node --import ./shim.mjs …`: sends the v8 SDK's one
// hard-coded internet URL, Lit's block indexer (the SIWE nonce source, which
// no config option changes), to the devnet's indexer instead. Every other
// request goes out unchanged. LITSESSION_INDEXER_URL is the devnet ready
// line's "indexerUrl"; without it the shim refuses to load, so a run can
// never reach the real indexer by mistake.
const INDEXER = 'https://block-indexer.litgateway.com/get_most_recent_valid_block';
const target = process.env.LITSESSION_INDEXER_URL;
if (!target || !/^http:\/\/(127\.\d+\.\d+\.\d+|localhost):\d+\//.test(target)) {
  throw new Error('shim.mjs: set LITSESSION_INDEXER_URL to the devnet\'s indexerUrl (http://127.0.0.1:<port>/get_most_recent_valid_block)');
}

let redirected = 0;
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input?.url;
  if (url === INDEXER) {
    redirected++;
    return realFetch(target, init);
  }
  return realFetch(input, init);
};

// How many indexer requests went to the devnet (scripts report it).
globalThis.litsessionIndexerRedirects = () => redirected;
