package fsnode

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// unescapeName is the reference decoder of the documented escape (README,
// "Names"): the file system itself never needs it, since it maps names back
// through its listings, but users and scripts can, and this proves they can.
// ok is false for shortened names and for names escapeName never produces.
func unescapeName(name string) (string, bool) {
	switch name {
	case "%":
		return "", true
	case "%2E":
		return ".", true
	case "%2E%2E":
		return "..", true
	}
	if strings.Contains(name, "%~") {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if name[i] != '%' {
			b.WriteByte(name[i])
			continue
		}
		if i+2 >= len(name) || unhex(name[i+1]) < 0 || unhex(name[i+2]) < 0 {
			return "", false
		}
		b.WriteByte(byte(unhex(name[i+1])<<4 | unhex(name[i+2])))
		i += 2
	}
	c := b.String()
	return c, escapeName(c) == name // only the canonical spelling
}

func unhex(x byte) int {
	switch {
	case '0' <= x && x <= '9':
		return int(x - '0')
	case 'A' <= x && x <= 'F':
		return int(x - 'A' + 10)
	}
	return -1
}

func TestEscapeName(t *testing.T) {
	long := strings.Repeat("x", 300)
	for _, tc := range []struct{ in, want string }{
		{"plain-name.bin", "plain-name.bin"},
		{"with space", "with space"},
		{"résumé.pdf", "résumé.pdf"},
		{"", "%"},
		{".", "%2E"},
		{"..", "%2E%2E"},
		{"...", "..."},
		{"100%", "100%25"},
		{"%2E", "%252E"},
		{"tab\there", "tab%09here"},
		{"nul\x00", "nul%00"},
		{"del\x7f", "del%7F"},
		{"c1\u0085", "c1%C2%85"},
		{"bad\xffutf8", "bad%FFutf8"},
		{"%", "%25"},
		{"arn:aws:s3:us-west-2:123456789012:accesspoint/my-ap", "arn:aws:s3:us-west-2:123456789012:accesspoint%2Fmy-ap"},
	} {
		if got := escapeName(tc.in); got != tc.want {
			t.Errorf("escapeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	got := escapeName(long)
	if len(got) > maxNameLen || !strings.HasPrefix(got, "xxxx") || !strings.Contains(got, "%~") {
		t.Errorf("escapeName(300 x) = %q (%d bytes)", got, len(got))
	}
	if escapeName(long+"y") == got {
		t.Error("two long names that differ only at the end share a name")
	}
}

// validName is what every escaped name must be: a legal, portable file name.
func validName(t *testing.T, c, name string) {
	t.Helper()
	if name == "" || name == "." || name == ".." || len(name) > maxNameLen ||
		strings.ContainsAny(name, "/\x00") || !utf8.ValidString(name) {
		t.Fatalf("escapeName(%q) = %q: not a valid file name", c, name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			t.Fatalf("escapeName(%q) = %q contains control character %U", c, name, r)
		}
	}
}

func FuzzEscapeName(f *testing.F) {
	for _, s := range []string{"", ".", "..", "%", "%2E", "a/b", "x\x00y", "\xff", strings.Repeat("é", 200), strings.Repeat("%", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, c string) {
		if strings.Contains(c, "/") {
			return // components never contain the delimiter
		}
		name := escapeName(c)
		validName(t, c, name)
		back, ok := unescapeName(name)
		if strings.Contains(name, "%~") {
			if ok {
				t.Fatalf("shortened name %q decoded", name)
			}
			return
		}
		if !ok || back != c {
			t.Fatalf("escapeName(%q) = %q decodes to %q, %v", c, name, back, ok)
		}
	})
}

func FuzzEscapeInjective(f *testing.F) {
	f.Add("", "%")
	f.Add(".", "%2E")
	f.Add("a%", "a%25")
	f.Add(strings.Repeat("a", 300), strings.Repeat("a", 301))
	f.Fuzz(func(t *testing.T, a, b string) {
		if a != b && escapeName(a) == escapeName(b) {
			t.Fatalf("%q and %q share the name %q", a, b, escapeName(a))
		}
	})
}

func TestPartNames(t *testing.T) {
	for _, n := range []int32{1, 42, 9999, 10000} {
		got, ok := parsePartName(partName(n))
		if !ok || got != n {
			t.Errorf("parsePartName(partName(%d)) = %d, %v", n, got, ok)
		}
	}
	for _, bad := range []string{"1", "00000", "10001", "0001a", "+0001", "-0001", "000001", "99999"} {
		if n, ok := parsePartName(bad); ok {
			t.Errorf("parsePartName(%q) = %d, want rejected", bad, n)
		}
	}
	if partName(9) >= partName(10) || partName(999) >= partName(1000) {
		t.Error("lexical order of part names is not numeric order")
	}
}
