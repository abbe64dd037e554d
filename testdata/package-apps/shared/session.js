// The flow every browser app runs: connect to the devnet named in the page's
// query (?nodes=<url,url,…>&min=<n>&key=<wallet key>), get session
// signatures for lit-pkp://* with the package's dev wallet, and resolve with
// what the test checks; errors resolve as {error} so the test prints them.
import { LitPKPResource, LIT_ABILITY } from '@litgo/litsession';

export async function runSession(loading) {
  try {
    const lit = await loading;
    const q = new URLSearchParams(location.search);
    const provider = lit.createDevWallet({ privateKey: q.get('key') });
    const client = lit.createClient({ bootstrapUrls: q.get('nodes').split(','), minNodeCount: Number(q.get('min')), provider });
    await client.connect();
    const sigs = await client.getSessionSigs({
      resourceAbilityRequests: [{ resource: new LitPKPResource('*'), ability: LIT_ABILITY.PKPSigning }],
    });
    const wasm = performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.wasm'));
    return { sigs: JSON.stringify(sigs), walletAsked: sigs.info.walletAsked, wasm, version: lit.version };
  } catch (e) {
    return { error: `${e.code}: ${e.message}` };
  }
}
