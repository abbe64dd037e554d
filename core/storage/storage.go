// Package storage is the cache of Lit session state: the session key pair,
// the wallet AuthSig that delegates to it, and the browser wallet's own
// entries, stored under the key names of the official JS SDK v7 so that a
// browser's window.localStorage is shared with it.
//
// Values are strings. The SDK stores JSON in them:
//
//	lit-session-key  {"publicKey":"<64 hex>","secretKey":"<128 hex>"}
//	lit-wallet-sig   {"sig","derivedVia","signedMessage","address"[,"algo"]}
//
// lit-session-key holds a secret key: whoever reads it can act for the
// session until the wallet signature expires. Back it with storage only the
// user can read (NewFile enforces this on servers).
package storage

import (
	"context"
	"errors"
	"sync"
)

// Storage is a string key-value store, the shape of the Web Storage API.
// Implementations must be safe for concurrent use.
type Storage interface {
	// Get returns the value of key; ok is false if the key is absent.
	Get(ctx context.Context, key string) (value string, ok bool, err error)
	// Set stores value under key, replacing any previous value.
	Set(ctx context.Context, key, value string) error
	// Delete removes key. Deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error
}

// Key names of the official JS SDK v7 (@lit-protocol/constants
// LOCAL_STORAGE_KEYS).
const (
	// KeySessionKey holds the session key pair as JSON
	// {"publicKey","secretKey"}.
	KeySessionKey = "lit-session-key"
	// KeyWalletSig holds the AuthSig delegating to the session key. There is
	// one slot, not one per address, session key or resource set.
	KeyWalletSig = "lit-wallet-sig"
	// KeyAuthSignature holds the browser wallet flow's own AuthSig.
	KeyAuthSignature = "lit-auth-signature"
	// KeyCommsKeypair holds a legacy NaCl box key pair (base64).
	KeyCommsKeypair = "lit-comms-keypair"
	// KeyWeb3Provider holds the wallet chosen in the connect dialog.
	KeyWeb3Provider = "lit-web3-provider"
	// KeyAuthSolSignature and KeyAuthCosmosSignature are the Solana and
	// Cosmos equivalents of KeyAuthSignature.
	KeyAuthSolSignature    = "lit-auth-sol-signature"
	KeyAuthCosmosSignature = "lit-auth-cosmos-signature"
)

// DisconnectWeb3 forgets the connected wallet: it deletes
// lit-auth-signature, lit-auth-sol-signature, lit-auth-cosmos-signature,
// lit-web3-provider and lit-wallet-sig, as the official disconnectWeb3 does,
// and also lit-session-key. The SDK keeps the session key; this package does
// not, because a disconnected user's session secret should not linger where
// the next user of the same browser or server could pick it up. The legacy
// lit-comms-keypair is kept.
//
// Every key is attempted; the errors of those that failed are joined.
func DisconnectWeb3(ctx context.Context, s Storage) error {
	var errs []error
	for _, k := range []string{
		KeyAuthSignature,
		KeyAuthSolSignature,
		KeyAuthCosmosSignature,
		KeyWeb3Provider,
		KeyWalletSig,
		KeySessionKey,
	} {
		if err := s.Delete(ctx, k); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Memory is an in-memory Storage, safe for concurrent use. Its contents
// are lost when the process exits.
type Memory struct {
	mu sync.RWMutex
	m  map[string]string
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{m: map[string]string{}} }

// Get implements Storage.
func (s *Memory) Get(ctx context.Context, key string) (string, bool, error) {
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.m[key]
	return v, ok, nil
}

// Set implements Storage.
func (s *Memory) Set(ctx context.Context, key, value string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[key] = value
	return nil
}

// Delete implements Storage.
func (s *Memory) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}
