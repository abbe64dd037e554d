// Session signatures under Node.js from the installed package: the .wasm is
// read from disk, the cache is a file-backed localStorage as in the official
// server guide. LIT_NODES (comma-separated URLs), LIT_MIN_NODES and
// WALLET_KEY name the network and the wallet; prints {sigs, walletAsked}.
// It must exit by itself soon after its last await, well before the 60 s
// connectTimeout a stale timer of the WebAssembly runtime would wait for:
// it exits 1 when the event loop took more than 30 s to drain.
import { load, LitPKPResource, LIT_ABILITY } from '@litgo/litsession';
import { LocalStorage } from 'node-localstorage';

const lit = await load();
const storage = new LocalStorage('./lit_storage.db');
const provider = lit.createDevWallet({ privateKey: process.env.WALLET_KEY, storage });
const client = lit.createClient({
  bootstrapUrls: process.env.LIT_NODES.split(','),
  minNodeCount: Number(process.env.LIT_MIN_NODES),
  provider,
  storage,
  connectTimeout: 60_000,
});
await client.connect();
const sigs = await client.getSessionSigs({
  resourceAbilityRequests: [{ resource: new LitPKPResource('*'), ability: LIT_ABILITY.PKPSigning }],
});
console.log(JSON.stringify({ sigs: JSON.stringify(sigs), walletAsked: sigs.info.walletAsked, version: lit.version }));

const lastAwait = performance.now();
process.on('exit', () => {
  const ms = Math.round(performance.now() - lastAwait);
  if (ms > 30_000) {
    console.error(`the process stayed alive ${ms} ms after its last await: a timer keeps the event loop busy`);
    process.exitCode = 1;
  }
});
