// Package node is a client for the nodes of a Lit Protocol network.
//
// The wire format is a [Generation]: [Datil] (JS SDK v7) is the one
// implemented and the default. A Generation makes every choice that differs
// between protocol generations (the handshake, the endpoint paths, how
// request bodies are sealed and answers opened, the staking read, which
// nodes a request goes to); the Client routes all of them through it.
//
// It finds the validators (from the staking contract over JSON-RPC, or from
// explicit bootstrap URLs), performs the handshake with every node in
// parallel, keeps the most common answer of each field, and caches the latest
// blockhash that session signatures use as their SIWE nonce.
//
// The package is pure Go and does not import net/http, so it builds for
// GOOS=js GOARCH=wasm: all network traffic goes through a [Transport], which
// the browser implements with fetch and native programs with the net/http
// implementation in package httptransport.
//
// Everything a node or an RPC endpoint sends is treated as untrusted input:
// keys must be hex, blockhashes must be 0x followed by 64 hex digits, and
// strings copied into error messages are truncated and stripped of control
// characters.
package node
