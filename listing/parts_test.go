package listing

import "testing"

// The compact ETag gives back exactly what the server sent.
func TestETagRoundTrip(t *testing.T) {
	for _, etag := range []string{
		`"9b2cf535f27731c974343645a3985328"`,   // MD5: stored in 16 bytes
		`"9B2CF535F27731C974343645A3985328"`,   // upper case: kept as text
		`"9b2cf535f27731c974343645a3985328-3"`, // multipart style
		`9b2cf535f27731c974343645a3985328`,     // unquoted
		`"00000000000000000000000000000000"`,
		`"zz2cf535f27731c974343645a3985328"`,
		`""`, "",
	} {
		var p Part
		p.setETag(etag)
		if got := p.ETag(); got != etag {
			t.Errorf("ETag %q came back as %q", etag, got)
		}
	}
}
