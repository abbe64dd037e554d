// Package delegation reuses a PKP session on a server, the naga pattern of
// docs/protocol.md#pkp-delegation and #server-session-reuse, on the v7 wire protocol:
//
//  1. Client (holds the PKP's auth, e.g. the owner wallet): generate a
//     session key pair (sessionkey.Generate), have the nodes sign a
//     delegation from the PKP to it (GeneratePkpDelegationAuthSig, whose
//     params GenerateParams.Check checks), and send both to the server as
//     an envelope (EncodeEnvelope) over a secure channel.
//  2. Server: decode the envelope, check it against the network
//     (CreatePkpAuthContextFromPreGenerated, which runs CheckEnvelope: the
//     one check of an envelope's holder), and keep the AuthContext;
//     AuthContext.Usable re-checks its times before each use.
//  3. Server, for every request: mint session signatures right before it
//     (CreatePkpSessionSigs; never cached, never outliving the delegation)
//     and use them, e.g. for pkpSign. Signer does this and re-handshakes
//     once when the node set moved on.
//  4. When the delegation expires every call fails with
//     ErrDelegationExpired: the server needs a new envelope from the
//     client.
//
// Validation is stricter than naga's (see ValidateDelegationAuthSig): the
// BLS signature is checked under the network key, the delegation must
// expire, come from the envelope's PKP, name the envelope's session key and
// carry a ReCap, and a session may only request what that ReCap grants.
// Refusals are *DelegationError values whose Reason says which check
// failed and whose message says what to do; their code is
// errcode.DelegationRefused with the detail ("reason", Reason). Bad
// params are *ParamsError values (errcode.InvalidParams). The browser
// API's params objects are read here too (GenerateParamsFromJSON,
// EnvelopeFromJSON), with core/jsjson.
//
// Security: the session secret key is a bearer credential for the PKP,
// within the ReCap, until the delegation expires. Keep delegations short
// and narrowly scoped (lit-pkp://<token id>, not lit-pkp://*), send
// envelopes only over secure channels, store them readable by the server
// alone, and never log them. Nothing in this package logs or puts a secret
// in an error.
//
// The package is pure Go without net/http; it builds for GOOS=js
// GOARCH=wasm.
package delegation
