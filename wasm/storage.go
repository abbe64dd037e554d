//go:build js && wasm

package main

import (
	"context"
	"fmt"
	"syscall/js"

	"github.com/litgo/litsession/core/errcode"
	"github.com/litgo/litsession/core/storage"
	"github.com/litgo/litsession/wasm/internal/jsbridge"
)

// webStorage is a storage.Storage over a Web Storage object
// (window.localStorage, or any object with getItem/setItem/removeItem, like
// the official SDK's storageProvider.provider). The keys are the official
// SDK's (storage.KeySessionKey, storage.KeyWalletSig, …), so a page that
// switches between SDKs keeps its cache.
type webStorage struct {
	// obj returns the storage object on each call, so a page that replaces
	// it (or a browser that forbids it) is seen as it is now.
	obj func() js.Value
}

var _ storage.Storage = webStorage{}

// localStorage returns the page's window.localStorage, or undefined when
// the browser forbids it (reading the property throws in sandboxed frames).
func localStorage() (v js.Value) {
	defer func() {
		if recover() != nil {
			v = js.Undefined()
		}
	}()
	return js.Global().Get("localStorage")
}

func (s webStorage) get() (js.Value, error) {
	o := s.obj()
	if jsbridge.IsNullish(o) {
		return o, errcode.Errorf(errcode.StorageUnavailable, nil, "Web Storage is not available in this page (window.localStorage is missing or blocked); nothing can be cached, pass createClient({storage: false}) to run without a cache")
	}
	return o, nil
}

// Get implements storage.Storage.
func (s webStorage) Get(ctx context.Context, key string) (string, bool, error) {
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	o, err := s.get()
	if err != nil {
		return "", false, err
	}
	v, err := jsbridge.Call(o, "getItem", key)
	if err != nil {
		return "", false, fmt.Errorf("localStorage.getItem(%q): %w", key, err)
	}
	if jsbridge.IsNullish(v) {
		return "", false, nil
	}
	if v.Type() != js.TypeString {
		return "", false, fmt.Errorf("localStorage.getItem(%q) returned a %s, not a string", key, v.Type())
	}
	return v.String(), true, nil
}

// Set implements storage.Storage.
func (s webStorage) Set(ctx context.Context, key, value string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o, err := s.get()
	if err != nil {
		return err
	}
	if _, err := jsbridge.Call(o, "setItem", key, value); err != nil {
		return fmt.Errorf("localStorage.setItem(%q): %w (the storage may be full or read-only)", key, err)
	}
	return nil
}

// Delete implements storage.Storage.
func (s webStorage) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o, err := s.get()
	if err != nil {
		return err
	}
	if _, err := jsbridge.Call(o, "removeItem", key); err != nil {
		return fmt.Errorf("localStorage.removeItem(%q): %w", key, err)
	}
	return nil
}

// storageFrom picks the storage for a client option: undefined means
// window.localStorage, false means none, an object is used as Web Storage.
func storageFrom(opt js.Value) (storage.Storage, error) {
	switch {
	case opt.IsUndefined() || opt.IsNull():
		return webStorage{obj: localStorage}, nil
	case opt.Type() == js.TypeBoolean && !opt.Bool():
		return nil, nil
	case opt.Type() == js.TypeObject && opt.Get("getItem").Type() == js.TypeFunction &&
		opt.Get("setItem").Type() == js.TypeFunction && opt.Get("removeItem").Type() == js.TypeFunction:
		return webStorage{obj: func() js.Value { return opt }}, nil
	}
	return nil, errcode.Errorf(errcode.InvalidParams, nil, "storage must be a Web Storage object (getItem, setItem, removeItem), false for no cache, or left out for window.localStorage")
}
