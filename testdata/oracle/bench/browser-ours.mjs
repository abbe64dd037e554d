// One timed run of this module's browser client (js/lit-session.js +
// js/lit-session.wasm, built by make wasm) in a fresh page, driven by
// web/bench_sidebyside_test.go (make bench); the same steps as
// browser-official.mjs:
//   load    wasm_exec.js + import lit-session.js + load() (fetch, compile and
//           start the module) + createClient({rpcUrl}) on the devnet
//   connect client.connect(): staking contract + handshake with every node
//   first   getSessionSigs with an authNeededCallback that does what the
//           official one does: the module's createSiweMessageWithRecaps, then
//           personal_sign with a wallet in the page (the module's dev wallet
//           with the same key as the official run's ethers Wallet);
//           callbackMs is the time spent in the callback
//   second  the same call again: the module reuses the session key and
//           wallet signature it cached in localStorage
function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(s);
  });
}

function utf8Hex(s) {
  return '0x' + Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function run({ rpcUrl, walletKey }) {
  localStorage.clear();

  const t0 = performance.now();
  await loadScript('/js/wasm_exec.js');
  const mod = await import('/js/lit-session.js');
  const lit = await mod.load();
  const client = lit.createClient({ rpcUrl });
  const t1 = performance.now();
  await client.connect();
  const t2 = performance.now();

  const wallet = lit.createDevWallet({ privateKey: walletKey });
  let callbacks = 0;
  let callbackMs = 0;
  const authNeededCallback = async ({ uri, expiration, nonce, resourceAbilityRequests }) => {
    const s = performance.now();
    callbacks++;
    try {
      const toSign = await lit.createSiweMessageWithRecaps({
        uri,
        expiration,
        resources: resourceAbilityRequests,
        walletAddress: wallet.address,
        nonce,
      });
      const sig = await wallet.request({ method: 'personal_sign', params: [utf8Hex(toSign), wallet.address] });
      return { sig, derivedVia: 'web3.eth.personal.sign', signedMessage: toSign, address: wallet.address };
    } finally {
      callbackMs += performance.now() - s;
    }
  };
  const params = {
    chain: 'ethereum',
    resourceAbilityRequests: [
      { resource: new mod.LitPKPResource('*'), ability: mod.LIT_ABILITY.PKPSigning },
      { resource: new mod.LitActionResource('*'), ability: mod.LIT_ABILITY.LitActionExecution },
    ],
    authNeededCallback,
  };
  const first = await client.getSessionSigs(params);
  const t3 = performance.now();
  const firstCallbacks = callbacks;
  const firstCallbackMs = callbackMs;
  const second = await client.getSessionSigs(params);
  const t4 = performance.now();
  return {
    loadMs: t1 - t0,
    connectMs: t2 - t1,
    firstMs: t3 - t2,
    firstCallbackMs,
    firstCallbacks,
    secondMs: t4 - t3,
    secondCallbacks: callbacks - firstCallbacks,
    connectedNodes: client.connectedNodes,
    first,
    second,
  };
}
