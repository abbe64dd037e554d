// Package ascii holds the byte-class checks core's parsers share.
package ascii

// IsHex reports whether s is non-empty and every byte of it is a hex digit,
// in either case.
func IsHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}
