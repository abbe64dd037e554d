// The guide's client with the devnet's chain (LIT_RPC_URL) as its RPC: the
// devnet answers the staking call at datil-dev's Staking address, so the
// guide's litNetwork and everything else stay as written.
import { LitNodeClient as Client, type LitNodeClientConfig } from "@litgo/litsession";

export class LitNodeClient extends Client {
  constructor(config: LitNodeClientConfig) {
    super({ ...config, rpcUrl: process.env.LIT_RPC_URL });
  }
}
