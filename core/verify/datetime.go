package verify

import (
	"time"

	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/core/verify/internal/siwefast"
)

// parseTime is siwe.ParseTime without its regular expression: the
// template's two times are read on every verification. A string that
// siwefast.IsDateTime accepts is parsed with time.Parse exactly as
// siwe.ParseTime does; any other string goes to siwe.ParseTime for its
// error. core/siwe keeps the
// regular expression because it is in the browser module, where the scanner
// would cost more bytes than it saves.
func parseTime(field, s string) (time.Time, error) {
	if siwefast.IsDateTime(s) {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, nil
		}
	}
	return siwe.ParseTime(field, s)
}
