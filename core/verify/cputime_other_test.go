//go:build !unix

package verify

import (
	"testing"
	"time"
)

// cpuTime is unavailable here: the benchmarks report wall time only.
func cpuTime(*testing.B) (time.Duration, bool) { return 0, false }
