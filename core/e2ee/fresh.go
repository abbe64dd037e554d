package e2ee

import (
	"fmt"
	"time"
)

// Defaults of Freshness.
const (
	DefaultMaxAge  = 5 * time.Minute // how old created_at may be
	DefaultMaxSkew = time.Minute     // how far in the future created_at may be
)

// Freshness is the window a payload's created_at must fall in:
// [now − MaxAge, now + MaxSkew]. Zero fields take the defaults.
type Freshness struct {
	Now     func() time.Time // default time.Now
	MaxAge  time.Duration    // default DefaultMaxAge
	MaxSkew time.Duration    // default DefaultMaxSkew
}

func (f Freshness) now() time.Time {
	if f.Now == nil {
		return time.Now()
	}
	return f.Now()
}

func (f Freshness) maxAge() time.Duration {
	if f.MaxAge <= 0 {
		return DefaultMaxAge
	}
	return f.MaxAge
}

func (f Freshness) maxSkew() time.Duration {
	if f.MaxSkew <= 0 {
		return DefaultMaxSkew
	}
	return f.MaxSkew
}

// StaleError reports a created_at outside the freshness window: too old
// (a delayed or replayed message) or in the future (a clock ahead).
type StaleError struct {
	CreatedAt, Now time.Time
	Limit          time.Duration // MaxAge, or MaxSkew when Future
	Future         bool
}

func (e *StaleError) Error() string {
	if e.Future {
		return fmt.Sprintf("e2ee: created_at %s is %v in the future, more than the %v allowed; check the sender's clock",
			formatCreatedAt(e.CreatedAt), e.CreatedAt.Sub(e.Now).Round(time.Millisecond), e.Limit)
	}
	return fmt.Sprintf("e2ee: created_at %s is %v old, more than the %v allowed; the message is stale or replayed, or a clock is wrong: encrypt it again",
		formatCreatedAt(e.CreatedAt), e.Now.Sub(e.CreatedAt).Round(time.Millisecond), e.Limit)
}

// Check returns a *StaleError unless createdAt is within the window.
func (f Freshness) Check(createdAt time.Time) error {
	now := f.now()
	if age := now.Sub(createdAt); age > f.maxAge() {
		return &StaleError{CreatedAt: createdAt, Now: now, Limit: f.maxAge()}
	}
	if ahead := createdAt.Sub(now); ahead > f.maxSkew() {
		return &StaleError{CreatedAt: createdAt, Now: now, Limit: f.maxSkew(), Future: true}
	}
	return nil
}

// createdAtLayout is Date.toISOString's form for years 0000–9999.
const createdAtLayout = "2006-01-02T15:04:05.000Z"

func formatCreatedAt(t time.Time) string { return t.UTC().Format(createdAtLayout) }

// parseCreatedAt reads created_at exactly as toISOString writes it, and
// nothing else: another form would name the same AAD timestamp with other
// text.
func parseCreatedAt(s string) (time.Time, error) {
	t, err := time.Parse(createdAtLayout, s)
	if err != nil || formatCreatedAt(t) != s {
		return time.Time{}, fmt.Errorf("must be an ISO time with milliseconds in UTC as Date.toISOString writes it, e.g. 2026-01-02T03:04:05.678Z; got %q", s)
	}
	if err := checkCreatedAtRange(t); err != nil {
		return time.Time{}, err
	}
	return t, nil
}

// checkCreatedAtRange keeps created_at where the AAD timestamp (unsigned
// seconds) and the toISOString form both exist.
func checkCreatedAtRange(t time.Time) error {
	if t.Year() < 1970 || t.Year() > 9999 {
		return fmt.Errorf("e2ee: created_at %v is outside the years 1970–9999 the wire format can carry", t)
	}
	return nil
}
