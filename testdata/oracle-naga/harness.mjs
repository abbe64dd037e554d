// harness.mjs: what the oracle scripts that drive the official v8 packages
// against a local naga network (interop.mjs, naga-client.mjs,
// eoa-cache.mjs) share: one JSON result line on stdout (the SDK's logs go
// to stderr), a time limit, named steps, the stdin input, the lit client
// for the devnet, and pkpSign with the signature's recovered address.
//
// Import it before the SDK packages, so that nothing the SDK prints at
// load time reaches stdout.
import { createLitClient } from '@lit-protocol/lit-client';
import { nagaLocal } from '@lit-protocol/networks';
import { keccak256, recoverAddress, toBytes } from 'viem';

// The SDK logs to stdout; stdout is kept for the one result line.
const writeOut = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr);
console.log = console.info = console.debug = (...a) => console.error(...a);

const TIMEOUT_MS = 100_000;

// run reads the stdin JSON object, checks that the keys are non-empty
// strings, and awaits main(input). It then writes result (ok, error, and
// the shim's fetch counts) as one line and exits 0 when main returned, 1
// when it threw or the time limit passed. The client localClient made is
// disconnected at the end.
export async function run(name, result, keys, main) {
  let finished = false;
  const finish = (code) => {
    if (finished) return;
    finished = true;
    result.fetches = globalThis.litsessionFetchCounts?.() ?? {};
    writeOut(JSON.stringify(result) + '\n');
    process.exit(code);
  };
  setTimeout(() => {
    result.error = `${name} gave up after ${TIMEOUT_MS / 1000} s`;
    finish(1);
  }, TIMEOUT_MS).unref();
  try {
    const chunks = [];
    for await (const c of process.stdin) chunks.push(c);
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    required(input, keys);
    await main(input);
    result.ok = true;
  } catch (e) {
    result.error ??= String(e?.stack ?? e);
  }
  try {
    client?.disconnect?.();
  } catch {}
  finish(result.ok ? 0 : 1);
}

// required throws unless every key of input is a non-empty string.
export function required(input, keys) {
  for (const k of keys) {
    if (typeof input[k] !== 'string' || input[k] === '') throw new Error(`stdin: ${k} is required`);
  }
}

// stepper returns step(name, fn): it runs fn, records its outcome under
// result.steps[name] and, on error, the failed step, and rethrows.
export function stepper(result) {
  return async function step(name, fn) {
    try {
      const out = (await fn()) ?? {};
      result.steps[name] = { ok: true, ...out };
      return out;
    } catch (e) {
      result.steps[name] = { ok: false, error: String(e?.message ?? e) };
      result.failedStep = name;
      result.error = String(e?.stack ?? e);
      throw e;
    }
  };
}

let client;

// localClient connects the v8 client to the devnet of the input's
// networkContextPath and rpcUrl, as nagaLocal.withLocalContext does for a
// local network.
export async function localClient(input) {
  client = await createLitClient({
    network: nagaLocal.withLocalContext({
      networkContextPath: input.networkContextPath,
      networkName: 'naga-local',
      rpcUrlOverride: input.rpcUrl,
    }),
  });
  return client;
}

// pkpSign signs message with the PKP through chain.ethereum.pkpSign (toSign
// as BYTES: a string would be signed as zero bytes, an SDK quirk) and
// returns the signature, the digest and the address it recovers to.
export async function pkpSign(litClient, authContext, pubKey, message) {
  const toSign = toBytes(message);
  const sig = await litClient.chain.ethereum.pkpSign({ authContext, pubKey, toSign });
  const hash = keccak256(toSign);
  const raw = sig.signature.toLowerCase();
  const recovered = await recoverAddress({
    hash,
    signature: { r: '0x' + raw.slice(2, 66), s: '0x' + raw.slice(66, 130), yParity: sig.recoveryId },
  });
  return { signature: sig, digest: hash, recoveredAddress: recovered };
}
