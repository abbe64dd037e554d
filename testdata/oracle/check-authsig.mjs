// Reads one AuthSig JSON object on stdin ({sig, derivedVia, signedMessage,
// address, ...}) and prints
//   {"recovered": ethers.utils.verifyMessage(signedMessage, sig),
//    "siweValid": <SiweMessage(signedMessage).verify({signature: sig}) succeeded>,
//    "error"?: "<why it failed>"}
//
// `siweValid` uses the official siwe 2.3.2 parser + verify (the same call the
// v7 SDK makes in checkNeedToResignSessionKey). verify() checks the
// Expiration Time / Not Before against "now": pass `--now <ISO>` to fake the
// clock (default: the real clock). `recovered` is null if recovery throws.
//
//   echo '{"sig":"0x…","signedMessage":"…"}' | node check-authsig.mjs --now 2026-01-01T00:00:00.000Z

import { ethers, siwe, setNow, useRealClock, readStdin, describeError } from './lib.mjs';

const args = process.argv.slice(2);
const nowIdx = args.indexOf('--now');
if (nowIdx >= 0) {
  if (!args[nowIdx + 1]) {
    console.error('usage: node check-authsig.mjs [--now <ISO time>] < authsig.json');
    process.exit(2);
  }
  setNow(args[nowIdx + 1]);
} else {
  useRealClock();
}

const authSig = JSON.parse(await readStdin());
const out = {};
const errors = [];

try {
  out.recovered = ethers.utils.verifyMessage(authSig.signedMessage, authSig.sig);
} catch (e) {
  out.recovered = null;
  errors.push('recover: ' + describeError(e).error);
}

try {
  const msg = new siwe.SiweMessage(authSig.signedMessage);
  const res = await msg.verify({ signature: authSig.sig }, { suppressExceptions: true });
  out.siweValid = res.success === true;
  if (!out.siweValid) errors.push('siwe: ' + describeError(res.error).error);
} catch (e) {
  out.siweValid = false;
  errors.push('siwe: ' + describeError(e).error);
}

if (errors.length) out.error = errors.join('; ');
process.stdout.write(JSON.stringify(out) + '\n');
