// Compares the package's network constants with the official
// @lit-protocol/constants 7.4.0 (every named network's RPC and Staking
// address, LIT_NETWORK, LIT_RPC, LIT_ABILITY) and checks LitNodeClient's
// config errors and generateSessionKeyPair. Prints each difference as a JSON
// line and exits 1 if there is any.
import { createRequire } from 'node:module';
import { LIT_NETWORK, LIT_RPC, LIT_ABILITY, LitAbility, NETWORK_CONFIG, LitNodeClient, generateSessionKeyPair, load } from '@litgo/litsession';

const official = createRequire(import.meta.url)('@lit-protocol/constants');
const diffs = [];
const same = (what, ours, theirs) => {
  if (JSON.stringify(ours) !== JSON.stringify(theirs)) diffs.push({ what, ours, theirs });
};
for (const net of ['datil-dev', 'datil-test', 'datil']) {
  const staking = official.NETWORK_CONTEXT_BY_NETWORK[net].data.find((c) => c.name === 'Staking').contracts[0].address_hash;
  same(`${net} rpcUrl`, NETWORK_CONFIG[net].rpcUrl, official.RPC_URL_BY_NETWORK[net]);
  same(`${net} stakingAddress`, NETWORK_CONFIG[net].stakingAddress, staking);
}
same('LIT_NETWORK', { ...LIT_NETWORK }, { ...official.LIT_NETWORK });
same('LIT_RPC', { ...LIT_RPC }, { ...official.LIT_RPC });
same('LIT_ABILITY', { ...LIT_ABILITY }, { ...official.LIT_ABILITY });
same('LitAbility', { ...LitAbility }, { ...official.LIT_ABILITY });
const errorOf = (f) => {
  try {
    f();
    return 'no error';
  } catch (e) {
    return `${e.code}: ${e.message}`;
  }
};
const wantError = (what, f, code, words) => {
  const got = errorOf(f);
  if (!got.startsWith(code + ': ') || !words.every((w) => got.includes(w))) diffs.push({ what, got, want: { code, words } });
};
wantError('unknown config key', () => new LitNodeClient({ litNetwork: 'datil-dev', alertWhenUnauthorized: true }), 'invalid_params', ['alertWhenUnauthorized']);
wantError('unknown network', () => new LitNodeClient({ litNetwork: 'datil-prod' }), 'invalid_params', ['litNetwork', "'datil-dev'"]);
wantError('attestation', () => new LitNodeClient({ litNetwork: 'datil', checkNodeAttestation: true }), 'invalid_params', ['checkNodeAttestation']);
wantError('key pair before load', () => generateSessionKeyPair(), 'not_connected', ['await load()']);
await load();
const kp = generateSessionKeyPair();
if (!/^[0-9a-f]{64}$/.test(kp.publicKey) || !/^[0-9a-f]{128}$/.test(kp.secretKey)) diffs.push({ what: 'generateSessionKeyPair', got: kp });
for (const d of diffs) console.log(JSON.stringify(d));
process.exit(diffs.length ? 1 : 0);
