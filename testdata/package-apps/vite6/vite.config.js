// The one line the Vite 6 dev server needs: its dependency
// pre-bundling moves the package's JS into node_modules/.vite/deps, away
// from its .wasm files. Vite 8's dev server and every vite build need none.
export default { optimizeDeps: { exclude: ['@litgo/litsession'] } };
