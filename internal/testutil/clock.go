// Package testutil holds small helpers that tests of several packages
// share. It imports only the standard library, so the tests inside any
// package of the module may use it.
package testutil

import (
	"sync"
	"time"
)

// Clock is a settable clock, safe for concurrent use. Pass its Now where a
// config takes a clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock that stands at t until advanced.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
