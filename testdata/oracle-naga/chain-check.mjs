// The v8 SDK's chain side against a naga devnet, without any node: the
// networkContext.json through nagaLocal.withLocalContext (the SDK's own ABI
// check), the state manager's staking and price-feed reads (viem), its
// StateChanged listener (ethers: eth_chainId, eth_blockNumber, eth_getLogs)
// and the SIWE nonce from the block indexer through shim.mjs. Prints one
// JSON line.
//
//   LITSESSION_NETWORK_CONTEXT=<path> LITSESSION_RPC_URL=<url> LITSESSION_INDEXER_URL=<url> \
//     node --import ./shim.mjs chain-check.mjs
import { nagaLocal } from '@lit-protocol/networks';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`chain-check: set ${name} (from the devnet's ready line)`);
  return v;
};

const log = console.log;
console.log = (...a) => console.error(...a); // the SDK logs to stdout; keep stdout for the result line

const out = {};
try {
  const module = nagaLocal.withLocalContext({
    networkContextPath: env('LITSESSION_NETWORK_CONTEXT'),
    networkName: 'naga-local',
    rpcUrlOverride: env('LITSESSION_RPC_URL'),
  });
  let handshakeConfig;
  const sm = await module.createStateManager({
    networkModule: module,
    callback: async (cfg) => { handshakeConfig = cfg; return {}; },
  });
  const info = sm.getLatestConnectionInfo();
  out.bootstrapUrls = info.bootstrapUrls;
  out.epoch = info.epochInfo;
  out.minNodeCount = info.minNodeCount;
  out.priceFeed = {
    epochId: String(info.priceFeedInfo.epochId),
    minNodeCount: String(info.priceFeedInfo.minNodeCount),
    networkPrices: info.priceFeedInfo.networkPrices.map((p) => ({ url: p.url, prices: p.prices.map(String) })),
  };
  out.currentEpoch = handshakeConfig.currentEpoch;
  out.stakingAddress = sm.contractManager.stakingContract.address;
  out.blockhash = await sm.getLatestBlockhash();
  // Let the StateChanged listener poll the chain once.
  await new Promise((r) => setTimeout(r, 5000));
  sm.stop();
  out.fetches = globalThis.litsessionFetchCounts();
  out.ok = true;
} catch (e) {
  out.ok = false;
  out.error = String(e?.stack ?? e);
}
log(JSON.stringify(out));
process.exit(out.ok ? 0 : 1);
