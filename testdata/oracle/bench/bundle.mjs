// Bundles the official Lit JS SDK 7.4.0 browser client for the side-by-side
// browser benchmark (web/bench_sidebyside_test.go, make bench), the way a dApp
// ships it: esbuild (pinned in ../package.json), ESM, platform browser,
// minified.
//
//   node bench/bundle.mjs <out dir>
//
// Writes:
//   <out dir>/lit-official.js         browser-entry.mjs: LitNodeClient and the
//                                     auth helpers of the documented EOA
//                                     authNeededCallback. This is the file
//                                     whose size is reported.
//   <out dir>/lit-official-wallet.js  ethers' Wallet alone, for the page's
//                                     test signer (what a wallet extension
//                                     does in a real dApp); not counted.
// and prints {"files":{…: bytes}} on stdout.
//
// Node built-ins: the SDK's own package.json "browser" field maps crypto and
// stream to nothing, and the only other built-in it reaches without an npm
// replacement installed is crypto (tweetnacl, brorand and @stablelib fall
// back to window.crypto; @lit-protocol/misc uses it for Bitcoin and Cosmos
// addresses only). So every built-in that does not resolve to an installed
// npm package becomes an empty module. Buffer and process are provided the
// usual way (the npm packages buffer and process, injected as globals), as
// dApp bundler setups with node polyfills do.

import * as esbuild from 'esbuild';
import { builtinModules } from 'node:module';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const oracleDir = path.dirname(here);

const outDir = process.argv[2];
if (!outDir) {
  process.stderr.write('usage: node bench/bundle.mjs <out dir>\n');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

// Built-ins with no npm package installed under that name become empty
// modules; the others (buffer, events, process, util, …) resolve to the
// installed browser packages as esbuild does by default.
const nodeBuiltins = {
  name: 'node-builtins',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, async (args) => {
      if (!builtins.has(args.path) || args.pluginData === 'npm') return undefined;
      const bare = args.path.replace(/^node:/, '');
      if (existsSync(path.join(oracleDir, 'node_modules', bare, 'package.json'))) {
        // The npm package of that name (esbuild applies its "browser" field).
        return build.resolve(bare, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'npm' });
      }
      return { path: bare, namespace: 'empty-builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'empty-builtin' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

const common = {
  absWorkingDir: oracleDir,
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  define: { global: 'globalThis' },
  inject: [path.join(here, 'browser-shims.mjs')],
  plugins: [nodeBuiltins],
  legalComments: 'none',
  logLevel: 'warning',
};

await esbuild.build({ ...common, entryPoints: [path.join(here, 'browser-entry.mjs')], outfile: path.join(outDir, 'lit-official.js') });
await esbuild.build({ ...common, entryPoints: [path.join(here, 'browser-wallet.mjs')], outfile: path.join(outDir, 'lit-official-wallet.js') });

const files = {};
for (const f of ['lit-official.js', 'lit-official-wallet.js']) files[f] = statSync(path.join(outDir, f)).size;
process.stdout.write(JSON.stringify({ esbuild: esbuild.version, files }) + '\n');
