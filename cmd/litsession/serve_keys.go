package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/internal/envstore"
)

func init() {
	register("store-keygen", "print a new key line for the worker's key ring (litsession serve --key-file)", cmdStoreKeygen)
}

// keysEnv names the environment variable that may hold the key ring.
const keysEnv = "LITSESSION_STORE_KEYS"

func cmdStoreKeygen(e *env, args []string) error {
	fs := newFlags("store-keygen")
	id := fs.String("id", "", "key id, 1 to 32 characters of A-Z a-z 0-9 _ - (e.g. 2026-12) (required)")
	if help, err := parse(e, fs, args); help || err != nil {
		return err
	}
	if err := required(fs, "id"); err != nil {
		return err
	}
	line, err := envstore.NewKeyLine(*id)
	if err != nil {
		return usagef("--id: %v", err)
	}
	_, err = fmt.Fprintln(e.stdout, line)
	return err
}

// loadKeyring reads the key ring from --key-file or $LITSESSION_STORE_KEYS
// (lines may be separated by ';' there). A file store with neither gets a
// key file of its own beside the store directory, <dir>.key, created on
// first use; a Redis store requires one.
func loadKeyring(log *slog.Logger, file string, store envstore.Store) (*envstore.Keyring, error) {
	text, from := "", ""
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, usagef("--key-file: %v", err)
		}
		if fi, err := os.Stat(file); err == nil && fi.Mode().Perm()&0o077 != 0 {
			return nil, usagef("--key-file %s has mode %04o, so other users can read the store's keys; run chmod 600 %s", file, fi.Mode().Perm(), file)
		}
		text, from = string(b), "--key-file "+file
	case os.Getenv(keysEnv) != "":
		text, from = strings.ReplaceAll(os.Getenv(keysEnv), ";", "\n"), "$"+keysEnv
	default:
		f, ok := store.(*envstore.File)
		if !ok {
			return nil, usagef("a Redis store needs the key ring that encrypts the envelopes: pass --key-file or set $%s (make a key with litsession store-keygen --id k1)", keysEnv)
		}
		path := filepath.Join(filepath.Dir(f.Dir()), filepath.Base(f.Dir())+".key")
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			line, err := envstore.NewKeyLine("k1")
			if err != nil {
				return nil, err
			}
			b = []byte(line + "\n")
			if err := os.WriteFile(path, b, 0o600); err != nil {
				return nil, fmt.Errorf("creating the store key %s: %w; pass --key-file instead", path, err)
			}
			log.Warn("created a key for the file store beside it; keep it out of the store's backups or pass --key-file", "key_file", path)
		} else if err != nil {
			return nil, fmt.Errorf("reading the store key %s: %w; pass --key-file instead", path, err)
		}
		text, from = string(b), path
	}
	k, err := envstore.ParseKeyring(text)
	if err != nil {
		return nil, usagef("%s: %v", from, err)
	}
	return k, nil
}

// rotation counts what rotateKeys did.
type rotation struct {
	Resealed  int `json:"resealed"`
	Unchanged int `json:"unchanged"`
	Vanished  int `json:"vanished"`
	Failed    int `json:"failed"`
}

// rotateKeys re-seals every record not sealed with the primary key (and
// every record still in clear). A record deleted or changed meanwhile is
// left alone (Swap compares), so running workers can keep serving.
func rotateKeys(ctx context.Context, log *slog.Logger, store envstore.Store, keys *envstore.Keyring) (rotation, error) {
	var r rotation
	ids, err := store.IDs(ctx)
	if err != nil {
		return r, fmt.Errorf("listing the envelopes in %s: %w", store, err)
	}
	for _, id := range ids {
		rec, err := store.Get(ctx, id)
		if err != nil {
			r.Vanished++
			continue
		}
		if envstore.KeyID(rec) == keys.Primary() {
			r.Unchanged++
			continue
		}
		plain, err := keys.Open(id, rec)
		if errors.Is(err, envstore.ErrCleartext) {
			if _, derr := envelope.Decode(rec); derr == nil {
				plain, err = rec, nil
			}
		}
		if err != nil {
			log.Error("a record does not open; it stays as it is", "envelope", shortID(id), "error", err.Error())
			r.Failed++
			continue
		}
		sealed, err := keys.Seal(id, plain)
		if err != nil {
			return r, err
		}
		ok, err := store.Swap(ctx, id, rec, sealed)
		switch {
		case err != nil:
			return r, fmt.Errorf("re-sealing in %s: %w", store, err)
		case ok:
			r.Resealed++
		default:
			r.Vanished++
		}
	}
	return r, nil
}
