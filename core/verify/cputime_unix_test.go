//go:build unix

package verify

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user + system CPU time: per operation, it is
// the cost of a benchmark on a machine whose other jobs stretch wall time.
func cpuTime(b *testing.B) (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
