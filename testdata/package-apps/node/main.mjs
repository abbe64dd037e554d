// Session signatures under Node.js from the installed package: the .wasm is
// read from disk, the cache is a file-backed localStorage as in the official
// server guide. LIT_NODES (comma-separated URLs), LIT_MIN_NODES and
// WALLET_KEY name the network and the wallet; prints {sigs, walletAsked}.
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
});
await client.connect();
const sigs = await client.getSessionSigs({
  resourceAbilityRequests: [{ resource: new LitPKPResource('*'), ability: LIT_ABILITY.PKPSigning }],
});
console.log(JSON.stringify({ sigs: JSON.stringify(sigs), walletAsked: sigs.info.walletAsked, version: lit.version }));
