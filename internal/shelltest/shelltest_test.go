package shelltest

import "testing"

// A quoted word reaches the command as it was, whatever it holds.
func TestQuote(t *testing.T) {
	for _, s := range []string{"", "plain", "with space", "it's", `'\''`, "$HOME `id` \"x\" *", "a\nb"} {
		if got := Sh(t, "printf %s "+Quote(s)); got != s {
			t.Errorf("Quote(%q) reached the command as %q", s, got)
		}
	}
}

// Run gives the exit error of a failing command line with its output.
func TestRunFails(t *testing.T) {
	out, err := Run(t, "echo no; exit 3")
	if err == nil || out != "no\n" {
		t.Fatalf("Run = %q, %v; want the output and exit status 3", out, err)
	}
}
