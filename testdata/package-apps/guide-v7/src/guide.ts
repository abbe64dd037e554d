// The official v7 guide "Generating SessionSigs" (developer.litprotocol.com,
// v7 SDK), unchanged but for its import lines: @lit-protocol/* became
// @litgo/litsession, and LitNodeClient comes from ./devnet.js, which points
// the guide's datil-dev at the local devnet's chain.
import * as ethers from "ethers";
import { LIT_RPC, LIT_NETWORK, LIT_ABILITY } from "@litgo/litsession";
import { LitNodeClient } from "./devnet.js";
import {
  createSiweMessage,
  generateAuthSig,
  LitAccessControlConditionResource,
} from "@litgo/litsession";

const ethersWallet = new ethers.Wallet(
  process.env.ETHEREUM_PRIVATE_KEY!,
  new ethers.providers.JsonRpcProvider(LIT_RPC.CHRONICLE_YELLOWSTONE)
);

const litNodeClient = new LitNodeClient({
  litNetwork: LIT_NETWORK.DatilDev,
  debug: false,
});
await litNodeClient.connect();

const sessionSignatures = await litNodeClient.getSessionSigs({
  chain: "ethereum",
  expiration: new Date(Date.now() + 1000 * 60 * 60 * 24).toISOString(), // 24 hours
  resourceAbilityRequests: [
    {
      resource: new LitAccessControlConditionResource("*"),
      ability: LIT_ABILITY.AccessControlConditionDecryption,
    },
  ],
  authNeededCallback: async ({ uri, expiration, resourceAbilityRequests }) => {
    const toSign = await createSiweMessage({
      uri,
      expiration,
      resources: resourceAbilityRequests,
      walletAddress: await ethersWallet.getAddress(),
      nonce: await litNodeClient.getLatestBlockhash(),
      litNodeClient,
    });

    return await generateAuthSig({
      signer: ethersWallet,
      toSign,
    });
  },
});

console.log(JSON.stringify(sessionSignatures));
