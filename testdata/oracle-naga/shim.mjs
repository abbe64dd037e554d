// Loaded with `node --import ./shim.mjs …`: sends the v8 SDK's one
// hard-coded internet URL, Lit's block indexer (the SIWE nonce source, which
// no config option changes), to the devnet's indexer instead, and refuses
// every other request that would leave loopback. LITSESSION_INDEXER_URL is
// the devnet ready line's "indexerUrl"; without it the shim refuses to
// load, so a run can never reach the real indexer by mistake.
//
// It also counts the requests per path (litsessionFetchCounts()), so that
// scripts can tell which calls reached the nodes.
const INDEXER = 'https://block-indexer.litgateway.com/get_most_recent_valid_block';
const target = process.env.LITSESSION_INDEXER_URL;

function isLoopback(url) {
  try {
    const h = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
  } catch {
    return false;
  }
}

if (!target || !isLoopback(target)) {
  throw new Error('shim.mjs: set LITSESSION_INDEXER_URL to the devnet\'s indexerUrl (http://127.0.0.1:<port>/get_most_recent_valid_block)');
}

const counts = {};
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  let url = typeof input === 'string' ? input : input instanceof URL ? input.href : input?.url;
  if (url === INDEXER) {
    input = url = target;
  }
  if (!isLoopback(url)) {
    return Promise.reject(new Error(`shim.mjs: refused a request to ${url}: only loopback is allowed`));
  }
  const path = new URL(url).pathname;
  counts[path] = (counts[path] ?? 0) + 1;
  return realFetch(input, init);
};

// Requests made so far, per URL path (the indexer's under its devnet path).
globalThis.litsessionFetchCounts = () => ({ ...counts });
