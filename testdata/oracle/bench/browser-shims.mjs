// Globals that Node code in the SDK's dependencies expects, injected by
// bench/bundle.mjs (esbuild inject) from the npm polyfill packages, as
// dApp bundler setups with node polyfills do.
export { Buffer } from 'buffer';
export { default as process } from 'process';
