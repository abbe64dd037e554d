package verify

import (
	"testing"

	"github.com/litgo/litsession/core/siwe"
)

var dateTimeCases = []string{
	"2026-06-01T12:00:00.000Z", "2026-06-01t12:00:00z", "2026-06-01T12:00:60Z", "2026-06-01T12:00:61Z",
	"2026-12-31T23:59:59.123456789+05:30", "2026-06-01T12:00:00-23:59", "2026-06-01T12:00:00|01:00",
	"2026-06-01T12:00:00+24:00", "2026-06-01T12:00:00+01:60", "2026-06-01T12:00:00+1:00",
	"2026-00-01T12:00:00Z", "2026-13-01T12:00:00Z", "2026-06-00T12:00:00Z", "2026-06-32T12:00:00Z",
	"2026-06-01T24:00:00Z", "2026-06-01T12:60:00Z", "2026-06-01 12:00:00Z", "2026-06-01T12:00:00.Z",
	"2026-06-01T12:00:00", "2026-06-01T12:00:00ZZ", "-06-01T12:00:00Z", "99999-06-01T12:00:00Z",
	"2026-6-01T12:00:00Z", "", "2026", "2026-06-01T12:00:0", "2026-06-01T12:00:00.1", "x2026-06-01T12:00:00Z",
	"2026-06-01T12:00:00.5+01:00", "2026-06-01T12:00:00Z\n", "2026-06-01T19:00:00+19:00", "2026-06-01T12:00:00+01:00x",
	"2026-02-30T12:00:00Z", "2026-06-01T12:00:00,5Z", "0000-01-01T00:00:00Z",
}

// sameAsSIWE fails unless parseTime and siwe.ParseTime agree on s:
// both accept it as the same instant, or both refuse it.
func sameAsSIWE(t *testing.T, s string) {
	got, gotErr := parseTime("issuedAt", s)
	want, wantErr := siwe.ParseTime("issuedAt", s)
	if (gotErr == nil) != (wantErr == nil) || !got.Equal(want) || got.Location().String() != want.Location().String() {
		t.Errorf("parseTime(%q) = %v, %v; siwe.ParseTime gives %v, %v", s, got, gotErr, want, wantErr)
	}
}

func TestParseTimeMatchesSIWE(t *testing.T) {
	for _, s := range dateTimeCases {
		sameAsSIWE(t, s)
	}
}

// FuzzParseTime checks parseTime against siwe.ParseTime, the reference
// grammar (siwe-go's regular expression) plus time.Parse.
func FuzzParseTime(f *testing.F) {
	for _, s := range dateTimeCases {
		f.Add(s)
	}
	f.Fuzz(sameAsSIWE)
}
