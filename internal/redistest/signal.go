package redistest

import "syscall"

var interrupt = syscall.SIGTERM
