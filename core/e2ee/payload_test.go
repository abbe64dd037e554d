package e2ee

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestRequestRoundTrip(t *testing.T) {
	client, node := mustKeyPair(t), mustKeyPair(t)
	req := Request{Payload: seal(t, message, node.Public, client, t0), Epoch: 10}
	body := req.JSON()
	if !strings.HasPrefix(string(body), `{"version":"1","payload":{"verification_key":"`+client.PublicHex()+`","random":"`) ||
		!strings.Contains(string(body), `"created_at":"2026-03-04T05:06:07.891Z","ciphertext_and_tag":"00000000000000000000000000000000`) ||
		!strings.HasSuffix(string(body), `"},"epoch":10}`) {
		t.Fatalf("request body %s", body)
	}
	got, err := ParseRequest(body)
	if err != nil {
		t.Fatal(err)
	}
	if got.Epoch != 10 || !bytes.Equal(got.Payload.JSON(), req.Payload.JSON()) {
		t.Fatalf("round trip: %+v", got)
	}
	resp, err := ParseResponse(req.Payload.ResponseJSON())
	if err != nil || !bytes.Equal(resp.Box, req.Payload.Box) {
		t.Fatalf("response round trip: %v", err)
	}
}

func TestParseRefuses(t *testing.T) {
	client, node := mustKeyPair(t), mustKeyPair(t)
	good := string(Request{Payload: seal(t, message, node.Public, client, t0), Epoch: 10}.JSON())
	p := seal(t, message, node.Public, client, t0)
	vk, rnd := client.PublicHex(), string(p.JSON())
	_ = rnd
	ct := `"ciphertext_and_tag":"`
	ctHex := good[strings.Index(good, ct)+len(ct) : strings.LastIndex(good, `"}`)]
	for name, c := range map[string]struct{ body, want string }{
		"not JSON":           {`{"version":"1"`, "not valid JSON"},
		"array":              {`[]`, "must be an object"},
		"duplicate key":      {strings.Replace(good, `{"version":"1",`, `{"version":"1","version":"1",`, 1), "not valid JSON"},
		"unknown member":     {strings.Replace(good, `"epoch":10}`, `"epoch":10,"x":1}`, 1), `unknown member "x"`},
		"no epoch":           {strings.Replace(good, `,"epoch":10}`, `}`, 1), "epoch is missing"},
		"version 2":          {strings.Replace(good, `"version":"1"`, `"version":"2"`, 1), `version must be the string "1"`},
		"version number":     {strings.Replace(good, `"version":"1"`, `"version":1`, 1), `version must be the string "1"`},
		"negative epoch":     {strings.Replace(good, `"epoch":10`, `"epoch":-1`, 1), "epoch must be a non-negative whole number"},
		"fractional epoch":   {strings.Replace(good, `"epoch":10`, `"epoch":10.5`, 1), "epoch must be a non-negative whole number"},
		"string epoch":       {strings.Replace(good, `"epoch":10`, `"epoch":"10"`, 1), "epoch must be a non-negative whole number"},
		"payload unknown":    {strings.Replace(good, `"random":`, `"extra":"","random":`, 1), `payload has the unknown member "extra"`},
		"payload missing":    {strings.Replace(good, `"random":"`, `"randomX":"`, 1), "unknown member"},
		"vk upper case":      {strings.Replace(good, vk, strings.ToUpper(vk), 1), "payload.verification_key must be lowercase hex"},
		"vk 0x":              {strings.Replace(good, vk, "0x"+vk[2:], 1), "payload.verification_key must be lowercase hex"},
		"vk short":           {strings.Replace(good, vk, vk[2:], 1), "payload.verification_key must be 64 lowercase hex digits"},
		"vk number":          {strings.Replace(good, `"`+vk+`"`, `7`, 1), "payload.verification_key must be a string"},
		"random short":       {strings.Replace(good, `"random":"`, `"random":"0`, 1), "payload.random must be 32"},
		"created_at no ms":   {strings.Replace(good, `07.891Z`, `07Z`, 1), "payload.created_at must be an ISO time with milliseconds"},
		"created_at µs":      {strings.Replace(good, `07.891Z`, `07.891000Z`, 1), "payload.created_at must be an ISO time"},
		"created_at offset":  {strings.Replace(good, `07.891Z`, `07.891+00:00`, 1), "payload.created_at must be an ISO time"},
		"created_at 1969":    {strings.Replace(good, `2026-03-04`, `1969-03-04`, 1), "years 1970"},
		"ct odd":             {strings.Replace(good, ctHex, ctHex+"0", 1), "even number"},
		"ct upper":           {strings.Replace(good, ctHex, strings.ToUpper(ctHex), 1), "lowercase hex"},
		"ct no prefix":       {strings.Replace(good, ctHex, ctHex[32:], 1), "16 zero bytes"},
		"ct nonzero prefix":  {strings.Replace(good, ctHex, "01"+ctHex[2:], 1), "16 zero bytes"},
		"ct too short":       {strings.Replace(good, ctHex, ctHex[:62], 1), "at least 64"},
		"payload not object": {`{"version":"1","payload":"x","epoch":1}`, "payload must be an object"},
		"trailing data":      {good + "x", "not valid JSON"},
		"nesting":            {`{"version":"1","payload":{"a":[[[[[]]]]]},"epoch":1}`, "not valid JSON"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseRequest([]byte(c.body))
			var fe *FormatError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want a FormatError containing %q", err, c.want)
			}
		})
	}
	if _, err := ParseResponse([]byte(good)); err == nil || !strings.Contains(err.Error(), `unknown member "epoch"`) {
		t.Errorf("a request as a response: %v", err)
	}
}

// FuzzParseRequest: the parser never panics, and what it accepts it
// writes back as the same bytes when the input was canonical, and as bytes
// it parses to the same request otherwise.
func FuzzParseRequest(f *testing.F) {
	client, node := mustKeyPair(f), mustKeyPair(f)
	good := Request{Payload: seal(f, message, node.Public, client, t0), Epoch: 10}.JSON()
	f.Add(good)
	f.Add([]byte(`{"version":"1","payload":{"verification_key":"","random":"","created_at":"","ciphertext_and_tag":""},"epoch":0}`))
	f.Add(bytes.Replace(good, []byte(`"epoch":10`), []byte(`"epoch":1e1`), 1))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRequest(data)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		out := r.JSON()
		r2, err := ParseRequest(out)
		if err != nil {
			t.Fatalf("cannot parse its own output %s: %v", out, err)
		}
		if !bytes.Equal(r2.JSON(), out) || r2.Epoch != r.Epoch || !bytes.Equal(r2.Payload.Box, r.Payload.Box) {
			t.Fatalf("round trip changed %s", out)
		}
		if len(r.Payload.Box) < Overhead {
			t.Fatalf("accepted a box of %d bytes", len(r.Payload.Box))
		}
	})
}
