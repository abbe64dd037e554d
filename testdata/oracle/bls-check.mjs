// Combines and verifies BLS12-381 signature shares with the OFFICIAL
// @lit-protocol/wasm (7.4.0) — the code the v7 SDK runs in signSessionKey
// (blsCombine) and in its LIT_BLS check (blsVerify) — so the Go
// implementation (core/bls) can be compared with it.
//
//   node bls-check.mjs < cases.json
//
// stdin: JSON array of cases, hex without 0x:
//   {"publicKey":"<96 hex G1>","message":"<hex>","shares":["<194 hex id||G2>",…],
//    "signature":"<192 hex G2: the Go combination of shares>"}
// stdout: JSON array, one result per case:
//   {"combined":"<192 hex>"|null,   blsCombine('Bls12381G2', shares); null when
//                                   shares is empty or the combine throws
//    "combineError":"…"?,
//    "verifyGo":true|false,         blsVerify(publicKey, message, signature)
//    "verifyCombined":true|false,   blsVerify(publicKey, message, combined)
//    "verifyAltered":true|false}    blsVerify(publicKey, message with its first byte flipped, signature); must be false
//
// Nothing here touches the network.

import { createRequire } from 'node:module';

process.noDeprecation = true;
const require = createRequire(import.meta.url);
const { blsCombine, blsVerify } = require('@lit-protocol/wasm');

const VARIANT = 'Bls12381G2';

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

async function verifies(pk, msg, sig) {
  try {
    await blsVerify(VARIANT, pk, msg, sig);
    return true;
  } catch {
    return false;
  }
}

const hex = (s) => Buffer.from(s, 'hex');
const cases = JSON.parse(await readStdin());
const out = [];
for (const c of cases) {
  const pk = hex(c.publicKey);
  const msg = hex(c.message);
  const r = {};
  r.combined = null;
  if (c.shares.length > 0) {
    try {
      r.combined = Buffer.from(await blsCombine(VARIANT, c.shares.map(hex))).toString('hex');
    } catch (e) {
      r.combineError = String(e?.message ?? e);
    }
  }
  r.verifyGo = await verifies(pk, msg, hex(c.signature));
  r.verifyCombined = r.combined !== null && (await verifies(pk, msg, hex(r.combined)));
  const altered = Buffer.from(msg);
  altered[0] ^= 1;
  r.verifyAltered = await verifies(pk, altered, hex(c.signature));
  out.push(r);
}
process.stdout.write(JSON.stringify(out) + '\n');
