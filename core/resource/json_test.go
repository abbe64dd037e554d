package resource

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/jsjson/stdjson"
)

// Request.JSON writes what encoding/json writes for a Request (struct tags,
// data omitted when empty, map keys sorted), with JSON.stringify quoting.
func TestRequestJSONMatchesEncodingJSON(t *testing.T) {
	for _, q := range []Request{
		{Resource: Resource{ID: "*", Prefix: PKP}, Ability: PKPSigning},
		{Resource: Resource{ID: "a<b>&c\u2028\"\\", Prefix: LitAction}, Ability: LitActionExecution, Data: map[string]any{}},
		{Resource: Resource{ID: "7", Prefix: RateLimitIncrease}, Ability: RateLimitIncreaseAuth, Data: map[string]any{
			"uses": "3", "z": []any{"b", "a"}, "n": 1.5, "big": 1e21, "nested": map[string]any{"y": nil, "x": true}, "num": json.Number("10"),
		}},
		{},
	} {
		want, err := stdjson.Marshal(q)
		if err != nil {
			t.Fatal(err)
		}
		got, err := q.JSON()
		if err != nil || string(got) != string(want) {
			t.Errorf("JSON() = %s, %v\nwant %s", got, err, want)
		}
	}
	q := Request{Resource: Resource{ID: "*", Prefix: PKP}, Ability: PKPSigning, Data: map[string]any{"f": func() {}}}
	if _, err := q.JSON(); err == nil {
		t.Error("data holding a func written")
	}
}

// RequestFromJSON reads what encoding/json reads into a Request.
func TestRequestFromJSONMatchesEncodingJSON(t *testing.T) {
	for _, doc := range []string{
		`{"resource":{"resource":"1234","resourcePrefix":"lit-pkp"},"ability":"pkp-signing"}`,
		`{"resource":{"resource":"*","resourcePrefix":"lit-ratelimitincrease","extra":1},"ability":"rate-limit-increase-auth","data":{"uses":"3","n":[1,2.5,{"k":null}]},"other":[]}`,
		`{"ability":null,"data":null,"resource":{"resource":"x","resourcePrefix":"lit-litaction"}}`,
		`{}`,
		`{"ability":"x"}`,
		`{"resource":null,"ability":"x"}`,
		`{"resource":{"resource":"*"},"ability":"x"}`,
		`{"resource":{"resourcePrefix":"lit-pkp"}}`,
		`{"resource":{"resource":1,"resourcePrefix":"lit-pkp"}}`,
		`{"resource":{"resource":"*","resourcePrefix":"lit-nope"}}`,
		`{"resource":"lit-pkp://*"}`,
		`{"resource":{"resource":"*","resourcePrefix":"lit-pkp"},"ability":7}`,
		`{"resource":{"resource":"*","resourcePrefix":"lit-pkp"},"data":[]}`,
		`{"resource":{"resource":"*","resourcePrefix":"lit-pkp"},"data":"x"}`,
		`{"resource":{"resource":"*","resourcePrefix":"lit-pkp"},"data":{"n":1e400}}`,
		`[]`, `"x"`, `null`,
	} {
		var want Request
		wantErr := json.Unmarshal([]byte(doc), &want)
		v, err := jsjson.Parse([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		got, err := RequestFromJSON(v)
		if doc == `null` {
			// encoding/json leaves the Request alone for a top-level null;
			// a request list never holds one legitimately.
			if err == nil {
				t.Error("null read as a request")
			}
			continue
		}
		if (err != nil) != (wantErr != nil) {
			t.Errorf("%s: error %v, encoding/json %v", doc, err, wantErr)
			continue
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v, encoding/json %+v", doc, got, want)
		}
	}
	v, _ := jsjson.Parse([]byte(`[{"resource":{"resource":"*","resourcePrefix":"lit-pkp"},"ability":"pkp-signing"},{"ability":1}]`))
	if _, err := RequestsFromJSON(v); err == nil || err.Error() != "request 1: resource: ability must be a string, got number" {
		t.Errorf("RequestsFromJSON: %v", err)
	}
	v, _ = jsjson.Parse([]byte(`{}`))
	if _, err := RequestsFromJSON(v); err == nil {
		t.Error("object read as a request list")
	}
}

func TestResourceJSON(t *testing.T) {
	r := Resource{ID: "x<\u2028", Prefix: LitAction}
	if got := string(r.JSON()); got != "{\"resource\":\"x<\u2028\",\"resourcePrefix\":\"lit-litaction\"}" {
		t.Error(got)
	}
	var back Resource
	if err := json.Unmarshal(r.JSON(), &back); err != nil || back != r {
		t.Error(back, err)
	}
	for _, bad := range []string{`{"resource":"*","resourcePrefix":"lit-pkp","resource":"1"}`, `{"resource":"\ud800","resourcePrefix":"lit-pkp"}`} {
		if err := back.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
