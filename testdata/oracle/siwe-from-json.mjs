// Reads a JSON array of siwe inputs on stdin and prints a JSON array (same
// order) of {message, authSig, siweValid, siweError?} or
// {error, errorName, ...}, produced by the official createSiweMessageWithRecaps
// + generateAuthSig exactly as for testdata/vectors/siwe.json. `siweValid` is
// whether the official siwe parser+verify accepts the result at `now`.
//
// Input element shape (the "input" of a siwe.json case):
//   {walletKey, walletAddress?, uri, nonce, expiration?, now?, domain?,
//    statement?, chainId?,
//    resources: [{resourcePrefix, resource, ability, data?}]}
// `now` defaults to 2026-01-01T00:00:00.000Z. Optional fields that are absent
// are not passed to the SDK (so its defaults apply).
//
//   echo '[{"walletKey":"0x11…","walletAddress":"0x19E7…","uri":"lit:session:ab…",
//          "nonce":"0xcd…","expiration":"2030-01-01T00:00:00.000Z",
//          "resources":[{"resourcePrefix":"lit-pkp","resource":"*","ability":"pkp-signing"}]}]' \
//     | node siwe-from-json.mjs

import { runSiweInput, readStdin } from './lib.mjs';

const inputs = JSON.parse(await readStdin());
if (!Array.isArray(inputs)) {
  console.error('siwe-from-json: expected a JSON array on stdin');
  process.exit(2);
}
const out = [];
for (const input of inputs) out.push(await runSiweInput(input));
process.stdout.write(JSON.stringify(out) + '\n');
