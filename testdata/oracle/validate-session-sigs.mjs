// Runs the official validateSessionSigs (@lit-protocol/misc 7.4.0, exported
// from the package root; source: src/lib/helper/session-sigs-validator.js)
// on a SessionSigsMap.
//
//   node validate-session-sigs.mjs [--now <ISO>] < sessionSigs.json
//
// stdin: a SessionSigsMap, {"<node URL>": {sig, derivedVia, signedMessage,
// address, algo}, …}.
// stdout: {"isValid": bool, "errors": [string, …]} exactly as returned.
//
// What it checks (docs/protocol.md#node-checks, last paragraph): each signedMessage is JSON with a
// non-empty capabilities array; every capability's SIWE "Expiration Time"
// exists and is not before now; the outer expiration exists and is not
// before now. It checks no signature.
//
// The real clock is used unless --now fakes it.

import { createRequire } from 'node:module';
import { readStdin, setNow, useRealClock, describeError } from './lib.mjs';

const require = createRequire(import.meta.url);
const { validateSessionSigs } = require('@lit-protocol/misc');

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--now' && i + 1 < argv.length) out.now = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}; usage: validate-session-sigs.mjs [--now <ISO>] < sessionSigs.json`);
  }
  return out;
}

try {
  const args = parseArgs(process.argv.slice(2));
  if (args.now !== undefined) setNow(args.now);
  else useRealClock();
  if (typeof validateSessionSigs !== 'function') {
    throw new Error('@lit-protocol/misc does not export validateSessionSigs');
  }
  const sessionSigs = JSON.parse(await readStdin());
  const { isValid, errors } = validateSessionSigs(sessionSigs);
  process.stdout.write(JSON.stringify({ isValid, errors }) + '\n');
} catch (e) {
  process.stderr.write(`validate-session-sigs: ${describeError(e).error}\n`);
  process.exit(1);
}
