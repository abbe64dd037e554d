// Extracts the contract ABIs a naga devnet publishes in networkContext.json
// from @lit-protocol/contracts' naga-dev signatures: for each of the eight
// contracts the v8 client requires, every method it extracts (naga-dev's
// generated method list is exactly its METHODS_TO_EXTRACT) and every event.
// The devnet embeds the output as devnet/nagaabi/abis.json; the Go test
// TestNagaABIFileIsGenerated checks that it equals this script's output.
//
//   node gen-abi.mjs > ../../devnet/nagaabi/abis.json
import { signatures } from '@lit-protocol/contracts/signatures/naga-dev';

// The contracts in the order the devnet writes them.
const CONTRACTS = ['PKPHelper', 'PKPNFT', 'PKPPermissions', 'PubkeyRouter', 'Staking', 'PriceFeed', 'Ledger', 'PaymentDelegation'];

const out = {};
for (const name of CONTRACTS) {
  const sig = signatures[name];
  if (!sig || typeof sig.methods !== 'object') {
    throw new Error(`naga-dev signatures have no contract ${name}; check the @lit-protocol/contracts version in package-lock.json`);
  }
  const methods = Object.entries(sig.methods).map(([method, abi]) => {
    if (abi.type !== 'function' || abi.name !== method) {
      throw new Error(`naga-dev ${name}.${method} is not a function ABI entry named ${method}`);
    }
    return abi;
  });
  const events = (sig.events ?? []).map((ev) => {
    if (ev.type !== 'event') throw new Error(`naga-dev ${name} lists a non-event among its events`);
    return ev;
  });
  out[name] = [...methods, ...events];
}
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
