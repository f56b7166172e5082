package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"html"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uploadfs/uploadfs/listing"
)

// builder makes a report by hand as Run would: each upload added to its
// row and offered to the top uploads.
type builder struct {
	rep  *Report
	rows map[Key]*Row
	top  *top
}

func newBuilder(now time.Time, ages []Age, topN int) *builder {
	return &builder{rep: &Report{Time: now, Ages: ages, Prices: DefaultPrices(), By: By{Prefix: true, Depth: 1},
		TopN: topN, Requests: RequestCounts{List: 1460, Other: 7}, Elapsed: 3200 * time.Millisecond},
		rows: map[Key]*Row{}, top: newTop(topN, TopBytes)}
}

// add adds an upload of key in bucket, initiated ago, of size bytes in
// parts, to the row of prefix covered by cov.
func (b *builder) add(bucket, prefix string, cov Coverage, key string, ago time.Duration, size int64, parts int64, class string) {
	k := Key{Bucket: bucket, Prefix: prefix}
	r := b.rows[k]
	if r == nil {
		r = &Row{Key: k, Region: "us-east-1", HasPrefix: true, Lifecycle: cov}
		b.rows[k] = r
	}
	up := upload{key: key, class: class, initiator: "arn:aws:iam::111122223333:user/etl", initiated: b.rep.Time.Add(-ago),
		parts: parts, bytes: size, abortKnown: cov.Kind != CoverageUnknown}
	if cov.Kind == CoverageCovered {
		up.abort = up.initiated.Add(time.Duration(cov.Days) * day).Truncate(day).Add(day)
	}
	r.add(up, b.rep.Time, b.rep.Ages)
	u := newUpload(&Account{}, bucket, uploadListing(key, ago), up, b.rep.Prices)
	b.top.add(u)
}

// uploadListing is the listing of an upload of key, its ID made up.
func uploadListing(key string, ago time.Duration) listing.Upload {
	return listing.Upload{Key: key, ID: "2~" + strconv.FormatInt(int64(ago/time.Second), 36) + "x" + strconv.Itoa(len(key))}
}

// empty adds a row with no upload, or one that could not be listed.
func (b *builder) empty(bucket string, cov Coverage, err error) {
	k := Key{Bucket: bucket}
	b.rows[k] = &Row{Key: k, Region: "us-east-1", HasPrefix: true, Lifecycle: cov, Older: make([]Count, len(b.rep.Ages)), Err: err}
}

func (b *builder) report() *Report {
	rep := b.rep
	for _, r := range b.rows {
		r.MonthlyUSD = rep.Prices.Monthly(r.byClass)
		rep.Rows = append(rep.Rows, *r)
		if r.Err != nil {
			rep.Failed++
		}
	}
	sortRows(rep.Rows)
	rep.Total = total(rep.Rows, rep.Ages, rep.Prices)
	rep.ScanUSD = rep.Prices.ScanCost(rep.Requests)
	rep.Top = topResult(b.top, func(string) string { return "us-east-1" })
	return rep
}

const gib = 1 << 30

// realisticReport is a team's account: a media bucket a rule cleans
// weekly, a data lake where only tmp/ is covered, training checkpoints
// nobody cleans, logs whose rules cannot be read, and a bucket that
// cannot be listed.
func realisticReport() *Report {
	now := time.Date(2026, 12, 6, 9, 30, 0, 0, time.UTC)
	b := newBuilder(now, HTMLAges, 8)
	covered7, covered1 := Coverage{CoverageCovered, 7}, Coverage{CoverageCovered, 1}
	none, unknown := Coverage{Kind: CoverageNone}, Coverage{Kind: CoverageUnknown}
	for i, s := range []int64{38, 9, 6, 2} {
		b.add("media-uploads", "videos/", covered7, "videos/2026/cam-"+strconv.Itoa(i)+".mov", time.Duration(i+2)*day, s*gib, s*100, "STANDARD")
	}
	b.add("media-uploads", "raw/", covered7, "raw/shoot-11.tar", 5*day, 14*gib, 1400, "STANDARD")
	b.add("media-uploads", "thumbs/", covered7, "thumbs/batch.zip", 3*time.Hour, 310<<20, 4, "STANDARD")
	for i, s := range []int64{120, 64, 22} {
		b.add("data-lake", "backups/", none, "backups/db/pg-"+strconv.Itoa(2024+i)+".dump", time.Duration(400-150*i)*day, s*gib, s*20, "STANDARD_IA")
	}
	b.add("data-lake", "tmp/", covered1, "tmp/spark-shuffle-0", 20*time.Hour, 18*gib, 180, "STANDARD")
	b.add("data-lake", "exports/", none, "exports/q3 report.parquet", 45*day, 31*gib, 310, "STANDARD")
	b.add("data-lake", "logs/", none, "logs/2026/12/app.log.gz", 2*day, 3*gib, 30, "STANDARD")
	for i, s := range []int64{80, 41, 12} {
		b.add("ml-checkpoints", "runs/", none, "runs/llm-"+strconv.Itoa(7+i)+"/step-90000.pt", time.Duration(30+i*20)*day, s*gib, s*10, "INTELLIGENT_TIERING")
	}
	b.add("ml-checkpoints", "", none, "final.safetensors", 95*day, 6*gib, 60, "STANDARD")
	b.add("archive-logs", "2024/", unknown, "2024/q4.tar.zst", 500*day, 15*gib, 150, "GLACIER")
	b.add("archive-logs", "2025/", unknown, "2025/h1.tar.zst", 160*day, 8*gib, 80, "DEEP_ARCHIVE")
	b.add("web-assets", "static/", Coverage{CoverageCovered, 3}, "static/bundle-9f2c.js", 12*time.Hour, 600<<20, 8, "STANDARD")
	b.empty("quiet-bucket", none, nil)
	b.empty("legacy-bucket", Coverage{}, errors.New("ListMultipartUploads s3://legacy-bucket/: AccessDenied: Access Denied"))
	return b.report()
}

// chromiumFlags keep headless Chromium from reaching out by itself, so
// that any request it makes is the page's.
func chromiumFlags(t *testing.T, proxy string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--disable-default-apps", "--user-data-dir=" + t.TempDir(), "--proxy-server=http://" + proxy,
		"--proxy-bypass-list=<-loopback>", "--hide-scrollbars"}
}

// chromium finds Debian's chromium: make test installs it; without it
// the browser tests are skipped, but not in the end-to-end run.
func chromium(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("UPLOADFS_E2E") != "" {
			t.Fatal("chromium is not installed (make apt-deps installs it)")
		}
		t.Skip("no chromium")
	}
	return p
}

// chromiumOwn are the hosts Chromium asks by itself whatever the flags
// (network time, component updates, sign-in): not the page's requests.
var chromiumOwn = []string{"clients2.google.com", "update.googleapis.com", "accounts.google.com"}

// proxyHosts is a proxy that answers nothing and notes the host of each
// request: every request of the browser's, file:// aside, comes to it.
type proxyHosts struct {
	mu    sync.Mutex
	hosts []string
}

func (p *proxyHosts) listen(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			host := "?"
			if f := strings.Fields(line); len(f) > 1 {
				host = strings.TrimPrefix(strings.TrimPrefix(f[1], "http://"), "https://")
				host, _, _ = strings.Cut(host, "/")
				host, _, _ = strings.Cut(host, ":")
			}
			if !slices.Contains(chromiumOwn, host) {
				p.mu.Lock()
				p.hosts = append(p.hosts, host)
				p.mu.Unlock()
			}
		}
	}()
	return l.Addr().String()
}

func (p *proxyHosts) asked() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.hosts)
}

// browse writes page to a file, has Chromium load it, and returns its
// DOM and the hosts the page asked for; with shot, it also writes a
// screenshot there.
func browse(t *testing.T, page []byte, shot string) (string, []string) {
	t.Helper()
	bin := chromium(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, page, 0o644); err != nil {
		t.Fatal(err)
	}
	var hosts proxyHosts
	proxy := hosts.listen(t)
	run := func(args ...string) []byte {
		cmd := exec.Command(bin, append(chromiumFlags(t, proxy), args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("chromium %s: %v\n%s", args, err, stderr.Bytes())
		}
		return out
	}
	dom := run("--dump-dom", "file://"+file)
	if shot != "" {
		abs, _ := filepath.Abs(shot)
		run("--screenshot="+abs, "--window-size=1280,2000", "file://"+file)
	}
	return string(dom), hosts.asked()
}

var (
	areaRE     = regexp.MustCompile(`<g class="area" data-name="([^"]*)"`)
	externalRE = regexp.MustCompile(`(?i)\s(src|href|xlink:href|action|srcset|poster|data)=["']?[^"'\s>]*`)
	dataRE     = regexp.MustCompile(`<data id="([a-z-]+)" value="([^"]*)"`)
)

// TestHTMLInChromium loads the page in headless Chromium: nothing is
// fetched, no script, one treemap area per row with bytes, named as the
// row, and the totals the JSON report gives. UPLOADFS_SCREENSHOT=FILE
// writes the screenshot the README shows (docs/report-html.png).
func TestHTMLInChromium(t *testing.T) {
	rep := realisticReport()
	var page, js bytes.Buffer
	if err := rep.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	dom, asked := browse(t, page.Bytes(), os.Getenv("UPLOADFS_SCREENSHOT"))
	if len(asked) > 0 {
		t.Errorf("the page asked for %q", asked)
	}
	if !strings.Contains(dom, `id="treemap"`) || !strings.Contains(dom, "</html>") {
		t.Fatalf("chromium's DOM is not the page:\n%s", dom)
	}
	if strings.Contains(strings.ToLower(dom), "<script") {
		t.Error("the DOM has a script")
	}
	for _, m := range externalRE.FindAllString(dom, -1) {
		t.Errorf("the DOM refers to something outside: %s", m)
	}
	var want []string
	for i := range rep.Rows {
		if r := &rep.Rows[i]; r.Err == nil && r.Bytes > 0 {
			want = append(want, rowName(r))
		}
	}
	var got []string
	for _, m := range areaRE.FindAllStringSubmatch(dom, -1) {
		got = append(got, html.UnescapeString(m[1]))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("treemap areas:\n%q\nwant one a row with bytes:\n%q", got, want)
	}
	total := jsonTotal(t, js.Bytes())
	values := map[string]string{}
	for _, m := range dataRE.FindAllStringSubmatch(dom, -1) {
		values[m[1]] = m[2]
	}
	for id, key := range map[string]string{"total-bytes": "bytes", "total-uploads": "uploads", "total-monthly": "monthly_cost_usd", "scan-requests": "requests"} {
		page, _ := strconv.ParseFloat(values[id], 64)
		if want, err := total[key].Float64(); err != nil || page != want {
			t.Errorf("the page's %s is %q, the JSON's %s %q", id, values[id], key, total[key])
		}
	}
	for _, u := range rep.Top {
		if !strings.Contains(html.UnescapeString(dom), abortCommand(&u)) {
			t.Errorf("no command for %s %s", u.Key, u.ID)
		}
	}
}

// jsonTotal is the total line of a JSON report, its numbers as written.
func jsonTotal(t *testing.T, js []byte) map[string]json.Number {
	t.Helper()
	for _, l := range bytes.Split(bytes.TrimSpace(js), []byte("\n")) {
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(l))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		if m["total"] == true {
			out := map[string]json.Number{}
			for k, v := range m {
				if n, ok := v.(json.Number); ok {
					out[k] = n
				}
			}
			return out
		}
	}
	t.Fatal("no total line")
	return nil
}

// TestBrowseSeesRequests proves browse's proxy would see a request of
// the page's: a page that loads an image asks for its host.
func TestBrowseSeesRequests(t *testing.T) {
	_, asked := browse(t, []byte(`<!DOCTYPE html><title>x</title><img src="http://canary.example/x.png" alt="">`), "")
	if !slices.Contains(asked, "canary.example") {
		t.Errorf("the proxy saw %q, not canary.example", asked)
	}
}
