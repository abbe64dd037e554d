import { nodeResolve } from '@rollup/plugin-node-resolve';
import url from '@rollup/plugin-url';

// @rollup/plugin-url copies the imported .wasm files beside the bundle.
export default {
  input: 'src/main.js',
  output: { dir: 'dist', format: 'es' },
  plugins: [nodeResolve({ browser: true }), url({ include: ['**/*.wasm'], limit: 0, fileName: '[name]-[hash][extname]' })],
};
