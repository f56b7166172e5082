package report

import (
	"bytes"
	"html"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// hostileKeys are keys that would break a page that did not escape them:
// markup, quotes, the SVG's end, a template's own syntax, control and
// bidirectional characters, bytes that are not UTF-8, 1,024 bytes.
var hostileKeys = []string{
	"<script>alert(1)</script>",
	`q"uo'te & <b>bold</b>`,
	"</svg></title></g><script>x</script>",
	"</style><style>*{display:none}</style>",
	"{{.Time}} ${x} $(rm -rf /) `id`",
	"tab\there\nnew\rline\x00nul\x1b[31mred\x07\x7f",
	"\u202egnp.exe\u2028\u2029\ufeff",
	"bad\xff\xfeutf8",
	"-starts-with-dash",
	"<!--", "]]>", "&amp;&lt;", "javascript:alert(1)",
	strings.Repeat("k/", 512),
}

// hostilePage is the page of a report with one row whose prefix is key
// and one top upload of key (t nil: it cannot fail).
func hostilePage(t testing.TB, key string) string {
	b := newBuilder(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), HTMLAges, 1)
	b.add("bucket", key, Coverage{Kind: CoverageNone}, key, 3*day, 5<<30, 5, "STANDARD")
	var out bytes.Buffer
	if err := b.report().WriteHTML(&out); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

var (
	tagRE      = regexp.MustCompile(`<(/?[a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z][a-zA-Z0-9:-]*(?:="[^"<>]*")?)*)\s*/?>`)
	attrNameRE = regexp.MustCompile(`\s([a-zA-Z][a-zA-Z0-9:-]*)(?:="[^"]*")?`)
)

// skeleton is a page's elements and their attributes' names, in order,
// and how many of its "<" begin anything but a tag or the doctype (text
// that would begin markup).
func skeleton(page string) (tags []string, stray int) {
	for _, m := range tagRE.FindAllStringSubmatch(page, -1) {
		tag := m[1]
		for _, a := range attrNameRE.FindAllStringSubmatch(m[2], -1) {
			tag += " " + a[1]
		}
		tags = append(tags, tag)
	}
	stray = strings.Count(page, "<") - len(tags) - 1
	if !strings.HasPrefix(page, "<!DOCTYPE html>") {
		stray++
	}
	return tags, stray
}

// plainSkeleton is the skeleton of a plain key's page.
var plainSkeleton = sync.OnceValue(func() []string {
	tags, _ := skeleton(hostilePage(nil, "k"))
	return tags
})

// checkHostile fails t unless key's page has the elements and attributes
// of a plain key's, and shows the key where it is named.
func checkHostile(t testing.TB, key string) {
	page := hostilePage(t, key)
	if tags, stray := skeleton(page); stray != 0 || !slices.Equal(tags, plainSkeleton()) {
		t.Fatalf("the key %q changed the page's elements:\n%s", key, page)
	}
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Fatalf("the key %q put a script on the page", key)
	}
	if shown := printable(key); !strings.Contains(html.UnescapeString(page), shown) {
		t.Fatalf("the page does not show the key %q as %q", key, shown)
	}
}

// A hostile key is text on the page and nothing else.
func TestHTMLHostileKeys(t *testing.T) {
	for _, k := range hostileKeys {
		checkHostile(t, k)
	}
}

// FuzzHTMLKey: nothing a key contains makes the page's elements differ
// from a plain key's (no element, attribute or script of its own), and
// the key is shown.
func FuzzHTMLKey(f *testing.F) {
	for _, k := range hostileKeys {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) { checkHostile(t, key) })
}

// In Chromium, the page of every hostile key at once has no script, one
// treemap area per row named as the row, and the command to abort each.
func TestHTMLHostileKeysInChromium(t *testing.T) {
	b := newBuilder(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), HTMLAges, len(hostileKeys))
	for i, k := range hostileKeys {
		b.add("bucket", k, Coverage{Kind: CoverageNone}, k, time.Duration(i+1)*day, int64(i+1)<<30, 1, "STANDARD")
	}
	rep := b.report()
	var page bytes.Buffer
	if err := rep.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	dom, asked := browse(t, page.Bytes(), "")
	if len(asked) > 0 || strings.Contains(strings.ToLower(dom), "<script") || !strings.Contains(dom, "</html>") {
		t.Fatalf("asked for %q; DOM:\n%s", asked, dom)
	}
	var got, want []string
	for _, m := range areaRE.FindAllStringSubmatch(dom, -1) {
		got = append(got, html.UnescapeString(m[1]))
	}
	for i := range rep.Rows {
		want = append(want, rowName(&rep.Rows[i]))
	}
	if !slices.Equal(got, want) {
		t.Errorf("areas %q, want %q", got, want)
	}
	text := html.UnescapeString(dom)
	for _, u := range rep.Top {
		if !strings.Contains(text, abortCommand(&u)) {
			t.Errorf("no command for %q", u.Key)
		}
	}
}

// The abort command's quoting gives the shell back every key, byte for
// byte (a key cannot hold NUL: S3's keys are XML text).
func TestShellQuote(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	for _, k := range append(hostileKeys, "plain/key.txt", "", "'", "\\", "é ü") {
		k = strings.ReplaceAll(k, "\x00", "")
		out, err := exec.Command(bash, "-c", "printf %s "+shellQuote(k)).Output()
		if err != nil || string(out) != k {
			t.Errorf("%q quoted %s gives %q (%v)", k, shellQuote(k), out, err)
		}
	}
}
