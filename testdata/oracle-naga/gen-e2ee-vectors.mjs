// Generates core/e2ee/testdata/vectors.json: E2EE payloads made by the official v8 client's
// walletEncrypt and checked with its walletDecrypt (@lit-protocol/crypto
// 8.1.0, pulled in by @lit-protocol/lit-client 8.3.1, @lit-protocol/auth
// 8.2.3 and @lit-protocol/networks 8.4.1).
//
// Run it from testdata/oracle-naga (make oracle-naga-deps installs them):
//
//   cd testdata/oracle-naga && node gen-e2ee-vectors.mjs > ../../core/e2ee/testdata/vectors.json
//
// walletEncrypt draws its random bytes with crypto.getRandomValues and its
// time with Date.now; both are replaced here so that every input is fixed.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';

const require = createRequire(process.cwd() + '/');
const { walletEncrypt, walletDecrypt } = require('@lit-protocol/crypto');
const { nacl } = require('@lit-protocol/nacl');
const version = require('@lit-protocol/crypto/package.json').version;

const hex = (b) => Buffer.from(b).toString('hex');
const fromHex = (s) => new Uint8Array(Buffer.from(s, 'hex'));
// Fixed secret keys: SHA-256 of a label.
const secret = (label) => new Uint8Array(createHash('sha256').update(label).digest());

let fixedRandom = null;
let fixedNow = 0;
const realGetRandomValues = crypto.getRandomValues.bind(crypto);
crypto.getRandomValues = (a) => {
  if (fixedRandom && a.length === 16) {
    a.set(fixedRandom);
    return a;
  }
  return realGetRandomValues(a);
};
Date.now = () => fixedNow;

const client = nacl.box.keyPair.fromSecretKey(secret('litsession e2ee vector client'));
const node = nacl.box.keyPair.fromSecretKey(secret('litsession e2ee vector node'));

const messages = [
  // A request body as the client sends it (pkp/sign/v2, shortened).
  JSON.stringify({ toSign: [1, 2, 3], signingScheme: 'EcdsaK256Sha256', pubkey: '0x04ab', epoch: 10 }),
  // A response body as a node sends it.
  JSON.stringify({ ok: true, error: null, errorObject: null, data: { success: true } }),
  // An error response body.
  JSON.stringify({ ok: false, error: 'maxPrice is below this node\'s price', errorObject: 'sign: 1000 < 2000', data: null }),
  // Non-ASCII text.
  JSON.stringify({ ok: true, error: null, errorObject: null, data: 'caf\u00e9 \u2028 \ud83d\ude00' }),
  // 51 bytes: the shortest message walletDecrypt opens (16 + 16 + 51 = 83).
  'x'.repeat(51),
  // 50 bytes: walletDecrypt does not strip the prefix and fails.
  'y'.repeat(50),
];

const vectors = [];
messages.forEach((msg, i) => {
  for (const [dir, sender, recipient] of [['clientToNode', client, node], ['nodeToClient', node, client]]) {
    fixedRandom = new Uint8Array(16).map((_, j) => (i * 37 + j * 11 + (dir === 'clientToNode' ? 0 : 128)) & 0xff);
    fixedNow = Date.UTC(2026, 0, 2, 3, 4, 5, (i * 123) % 1000) + i * 86_400_000;
    const out = walletEncrypt(sender.secretKey, recipient.publicKey, new TextEncoder().encode(msg));
    let opens = true;
    try {
      const back = walletDecrypt(recipient.secretKey, out);
      if (new TextDecoder().decode(back) !== msg) throw new Error('walletDecrypt returned another message');
    } catch (e) {
      opens = false;
    }
    vectors.push({
      name: `${dir} ${i}`,
      senderSecret: hex(sender.secretKey),
      senderPublic: hex(sender.publicKey),
      recipientSecret: hex(recipient.secretKey),
      recipientPublic: hex(recipient.publicKey),
      message: msg,
      random: hex(fixedRandom),
      nowMillis: fixedNow,
      // JSON.stringify of walletEncrypt's result, as the client puts it on the wire.
      encrypted: JSON.stringify(out),
      // Whether walletDecrypt opens it with the recipient's secret key.
      officialOpens: opens,
    });
  }
});

process.stdout.write(JSON.stringify({
  producedBy: `@lit-protocol/crypto ${version} walletEncrypt/walletDecrypt (via @lit-protocol/lit-client 8.3.1, @lit-protocol/auth 8.2.3, @lit-protocol/networks 8.4.1), testdata/oracle-naga/gen-e2ee-vectors.mjs`,
  vectors,
}, null, 1) + '\n');
