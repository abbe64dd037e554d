// Package envstore keeps the worker's envelopes: a file store for one
// machine and a Redis store for a fleet of workers. Records are opaque
// bytes to a store (the worker seals them with a Keyring first); each is
// written whole, so readers and concurrent writers never see a mixed
// record. A store keeps a tombstone for an envelope whose delegation
// expired, so the worker can answer 410 instead of 404.
package envstore

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// ErrNotFound: no record and no tombstone for the id.
var ErrNotFound = errors.New("envstore: no envelope with this id")

// ErrExists: Create found a record already under the id.
var ErrExists = errors.New("envstore: an envelope already has this id")

// ExpiredError: the envelope's delegation expired at At and its record is
// gone.
type ExpiredError struct{ At time.Time }

func (e *ExpiredError) Error() string {
	return fmt.Sprintf("envstore: the delegation expired at %s and the envelope was deleted", e.At.UTC().Format(time.RFC3339))
}

// tombstoneFor is how long a tombstone outlives its envelope.
const tombstoneFor = 7 * 24 * time.Hour

// IDPattern is the form of an envelope id: 128 random bits in hex.
var IDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Store keeps envelope records by id.
type Store interface {
	// Create stores rec under a new id; the record disappears when the
	// delegation does, at exp, leaving a tombstone.
	Create(ctx context.Context, id string, rec []byte, exp time.Time) error
	// Get returns the record, ErrNotFound, or an *ExpiredError.
	Get(ctx context.Context, id string) ([]byte, error)
	// Delete removes the record and its tombstone; ErrNotFound if there was
	// neither.
	Delete(ctx context.Context, id string) error
	// Expire removes the record of an envelope whose delegation expired at
	// exp, keeping a tombstone.
	Expire(ctx context.Context, id string, exp time.Time) error
	// Swap replaces the record of id by rec if it is still old (a rotation
	// never brings back a deleted envelope); it reports whether it did.
	Swap(ctx context.Context, id string, old, rec []byte) (bool, error)
	// IDs lists the ids of the stored records.
	IDs(ctx context.Context) ([]string, error)
	// Ping checks that the store is reachable.
	Ping(ctx context.Context) error
	// String names the store for logs, without credentials.
	String() string
	Close() error
}
