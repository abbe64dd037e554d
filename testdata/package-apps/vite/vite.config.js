// The one line the Vite dev server needs: pre-bundling would move the
// package's JS away from its .wasm files. vite build needs nothing.
export default { optimizeDeps: { exclude: ['@litgo/litsession'] } };
