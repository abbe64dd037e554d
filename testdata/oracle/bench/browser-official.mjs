// One timed run of the OFFICIAL browser client (bench/bundle.mjs →
// /official/lit-official.js) in a fresh page, driven by
// web/bench_sidebyside_test.go (make bench). browser-ours.mjs is the same
// run with this module's WebAssembly client.
//
// Steps, each timed with performance.now():
//   load    import the bundle + new LitNodeClient({litNetwork:'custom',
//           checkNodeAttestation:false}); its rpcUrl is then the default
//           http://127.0.0.1:8545 (the devnet), and the private _blockHashUrl
//           is pointed at the devnet's block indexer (DEVNET.md §1.6), so
//           nothing leaves loopback
//   connect client.connect(): staking contract + handshake with every node
//   first   getSessionSigs with the documented EOA authNeededCallback
//           (createSiweMessageWithRecaps + generateAuthSig, ethers Wallet);
//           callbackMs is the time spent in the callback
//   second  the same call again: the browser client reuses the session key
//           and wallet signature it cached in localStorage
export async function run({ walletKey }) {
  localStorage.clear();
  // The test signer stands in for a wallet extension: loaded before timing.
  const { Wallet } = await import('/official/lit-official-wallet.js');
  const wallet = new Wallet(walletKey);

  const t0 = performance.now();
  const sdk = await import('/official/lit-official.js');
  const client = new sdk.LitNodeClient({ litNetwork: 'custom', checkNodeAttestation: false, debug: false });
  const rpcUrl = client.config.rpcUrl || sdk.RPC_URL_BY_NETWORK[sdk.LIT_NETWORK.Custom];
  if (rpcUrl !== 'http://127.0.0.1:8545') throw new Error(`unexpected default rpcUrl ${rpcUrl}`);
  client._blockHashUrl = `${rpcUrl}/get_most_recent_valid_block`;
  const t1 = performance.now();
  await client.connect();
  const t2 = performance.now();

  let callbacks = 0;
  let callbackMs = 0;
  const authNeededCallback = async ({ uri, expiration, resourceAbilityRequests }) => {
    const s = performance.now();
    callbacks++;
    try {
      const toSign = await sdk.createSiweMessageWithRecaps({
        uri,
        expiration,
        resources: resourceAbilityRequests,
        walletAddress: wallet.address,
        nonce: await client.getLatestBlockhash(),
        litNodeClient: client,
      });
      return await sdk.generateAuthSig({ signer: wallet, toSign });
    } finally {
      callbackMs += performance.now() - s;
    }
  };
  const params = {
    chain: 'ethereum',
    resourceAbilityRequests: [
      { resource: new sdk.LitPKPResource('*'), ability: sdk.LIT_ABILITY.PKPSigning },
      { resource: new sdk.LitActionResource('*'), ability: sdk.LIT_ABILITY.LitActionExecution },
    ],
    authNeededCallback,
  };
  const first = await client.getSessionSigs(params);
  const t3 = performance.now();
  const firstCallbacks = callbacks;
  const firstCallbackMs = callbackMs;
  const second = await client.getSessionSigs(params);
  const t4 = performance.now();
  await client.disconnect();
  return {
    loadMs: t1 - t0,
    connectMs: t2 - t1,
    firstMs: t3 - t2,
    firstCallbackMs,
    firstCallbacks,
    secondMs: t4 - t3,
    secondCallbacks: callbacks - firstCallbacks,
    connectedNodes: [...client.connectedNodes],
    first,
    second,
  };
}
