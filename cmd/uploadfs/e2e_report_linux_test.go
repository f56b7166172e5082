package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/shelltest"
	"github.com/uploadfs/uploadfs/listing"
)

// classProxy stands in front of versitygw, which stores neither storage
// classes nor initiators (it answers STANDARD and an empty ID), and gives
// each upload the storage class and initiator its key names, in both
// ListMultipartUploads and ListParts answers: KEY = CLASS/USER/…, CLASS
// one of cold (GLACIER), deep (DEEP_ARCHIVE), ia (STANDARD_IA), else
// STANDARD; the initiator arn:aws:iam::111122223333:user/USER. The AWS CLI
// and uploadfs see the same answers.
func classProxy(t *testing.T, target string) string {
	t.Helper()
	upload := regexp.MustCompile(`(?s)<Upload>.*?</Upload>`)
	keyElem := regexp.MustCompile(`<Key>([^<]*)</Key>`)
	return rewritingProxy(t, target, func(req *http.Request, body []byte) []byte {
		if req.URL.Query().Has("uploadId") {
			_, key, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
			return dress(body, key)
		}
		return upload.ReplaceAllFunc(body, func(u []byte) []byte {
			m := keyElem.FindSubmatch(u)
			if m == nil {
				return u
			}
			key, err := url.QueryUnescape(string(m[1]))
			if err != nil {
				key = string(m[1])
			}
			return dress(u, key)
		})
	}, "uploads", "uploadId")
}

var (
	classElem     = regexp.MustCompile(`<StorageClass>[^<]*</StorageClass>`)
	initiatorElem = regexp.MustCompile(`(?s)<Initiator>.*?</Initiator>`)
)

// dress sets the storage class and initiator key names in an answer.
func dress(b []byte, key string) []byte {
	parts := strings.SplitN(key, "/", 3)
	class := map[string]string{"cold": "GLACIER", "deep": "DEEP_ARCHIVE", "ia": "STANDARD_IA"}[parts[0]]
	if class == "" {
		class = "STANDARD"
	}
	user := "nobody"
	if len(parts) > 1 {
		user = parts[1]
	}
	b = classElem.ReplaceAll(b, []byte("<StorageClass>"+class+"</StorageClass>"))
	return initiatorElem.ReplaceAll(b, []byte("<Initiator><ID>arn:aws:iam::111122223333:user/"+user+"</ID><DisplayName></DisplayName></Initiator>"))
}

// reportServer is versitygw behind classProxy, the lifecycle front (which
// serves lifecycle rules, as versitygw does not) and the fault proxy;
// at is a gateway whose URL is the outermost.
type reportServer struct {
	g     *gateway
	at    *gateway
	front *faultproxy.Lifecycle
	fault *faultproxy.Proxy
}

func startReportServer(t *testing.T) *reportServer {
	t.Helper()
	g := startGateway(t)
	front := faultproxy.NewLifecycleT(t, classProxy(t, g.url))
	fault := faultproxy.NewT(t, front.URL)
	at := *g
	at.url = fault.URL
	return &reportServer{g: g, at: &at, front: front, fault: fault}
}

func (s *reportServer) report(t *testing.T, args ...string) result {
	t.Helper()
	return uploadfs(t, s.g.env, append([]string{"report", "--endpoint-url", s.at.url, "--path-style"}, args...)...)
}

// cliUpload is one upload as the AWS CLI lists it, with its parts summed
// from list-parts.
type cliRecord struct {
	bucket, key, id, class, initiator string
	initiated                         time.Time
	parts, bytes                      int64
}

// cliRecords lists every upload of buckets with the AWS CLI:
// list-multipart-uploads, then list-parts for each.
func cliRecords(t *testing.T, at *gateway, buckets []string) []cliRecord {
	t.Helper()
	var out []cliRecord
	for _, b := range buckets {
		var lm struct {
			Uploads []struct {
				Key, UploadId, StorageClass string
				Initiated                   time.Time
				Initiator                   struct{ ID string }
			}
		}
		at.aws(t, &lm, "s3api", "list-multipart-uploads", "--bucket", b)
		for _, u := range lm.Uploads {
			var lp struct{ Parts []cliPart }
			at.aws(t, &lp, "s3api", "list-parts", "--bucket", b, "--key", u.Key, "--upload-id", u.UploadId)
			r := cliRecord{bucket: b, key: u.Key, id: u.UploadId, class: u.StorageClass, initiator: u.Initiator.ID, initiated: u.Initiated, parts: int64(len(lp.Parts))}
			for _, p := range lp.Parts {
				r.bytes += p.Size
			}
			out = append(out, r)
		}
	}
	return out
}

// sumKey and sums are a report row's keys and sums: bucket, and (when
// grouped) prefix of depth 1, storage class and initiator.
type sumKey struct{ bucket, prefix, class, initiator string }
type sums struct {
	uploads, parts, bytes int64
	oldest                time.Time
}

// cliSums sums the CLI's records as the report's rows: every bucket has
// a row, a zero one when it has no upload.
func cliSums(recs []cliRecord, buckets []string, grouped bool) map[sumKey]*sums {
	out := map[sumKey]*sums{}
	for _, b := range buckets {
		if !slices.ContainsFunc(recs, func(r cliRecord) bool { return r.bucket == b }) {
			out[sumKey{bucket: b}] = &sums{}
		}
	}
	for _, u := range recs {
		if !slices.Contains(buckets, u.bucket) {
			continue
		}
		k := sumKey{bucket: u.bucket}
		if grouped {
			if i := strings.Index(u.key, "/"); i >= 0 {
				k.prefix = u.key[:i+1]
			}
			k.class, k.initiator = u.class, u.initiator
		}
		s := out[k]
		if s == nil {
			s = &sums{}
			out[k] = s
		}
		s.uploads++
		s.parts += u.parts
		s.bytes += u.bytes
		if s.oldest.IsZero() || u.initiated.Before(s.oldest) {
			s.oldest = u.initiated
		}
	}
	return out
}

// jsonLine is a line of --format json, with the keys' presence kept.
type jsonLine map[string]any

func parseJSONLines(t *testing.T, out string) []jsonLine {
	t.Helper()
	var lines []jsonLine
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var j jsonLine
		if err := json.Unmarshal([]byte(l), &j); err != nil {
			t.Fatalf("not a JSON line: %q: %v", l, err)
		}
		lines = append(lines, j)
	}
	return lines
}

func (j jsonLine) str(k string) string { s, _ := j[k].(string); return s }
func (j jsonLine) num(k string) int64  { f, _ := j[k].(float64); return int64(f) }

func TestReport(t *testing.T) {
	s := startReportServer(t)
	buckets := []string{"rpt-main", "rpt-other", "rpt-empty", "rpt-nolc"}
	for _, b := range buckets {
		s.g.aws(t, nil, "s3api", "create-bucket", "--bucket", b)
	}
	s.front.SetRules("rpt-main", faultproxy.AbortRule("week", "", 7))
	s.front.SetRules("rpt-other", faultproxy.AbortRule("tmp", "ia/", 2))
	s.front.Deny("rpt-nolc")
	body := filepath.Join(t.TempDir(), "part")
	put := func(bucket, key string, sizes ...int) {
		var up cliUpload
		s.g.aws(t, &up, "s3api", "create-multipart-upload", "--bucket", bucket, "--key", key)
		for i, n := range sizes {
			writeFile(t, body, strings.Repeat("x", n))
			s.g.aws(t, nil, "s3api", "upload-part", "--bucket", bucket, "--key", key, "--upload-id", up.UploadId,
				"--part-number", fmt.Sprint(i+1), "--body", body)
		}
	}
	put("rpt-main", "cold/alice/a.tar", 1000, 2000)
	put("rpt-main", "cold/bob/b.tar", 300)
	put("rpt-main", "deep/alice/c.tar", 4000)
	put("rpt-main", "std/carol/d.bin")
	put("rpt-main", "top.bin", 50)
	put("rpt-other", "ia/alice/e", 700, 800, 900)
	put("rpt-other", "std/bob/f", 10)
	put("rpt-nolc", "std/dave/g", 5)

	cli := cliRecords(t, s.at, buckets)

	t.Run("totals equal the AWS CLI's", func(t *testing.T) {
		for _, grouped := range []bool{false, true} {
			args := []string{"--format", "json", "rpt-main", "rpt-other", "rpt-empty", "rpt-nolc"}
			if grouped {
				args = append(args, "--by", "prefix,storage-class", "--by", "initiator")
			}
			r := s.report(t, args...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("grouped %v: exit %d, stderr %q", grouped, r.code, r.stderr)
			}
			want := cliSums(cli, buckets, grouped)
			lines := parseJSONLines(t, r.stdout)
			var tot sums
			for _, j := range lines[:len(lines)-1] {
				k := sumKey{bucket: j.str("bucket"), prefix: j.str("prefix"), class: j.str("storage_class"), initiator: j.str("initiator")}
				for _, key := range []string{"prefix", "storage_class", "initiator"} {
					if _, ok := j[key]; ok != grouped {
						t.Errorf("grouped %v: key %s present %v in %v", grouped, key, ok, j)
					}
				}
				w := want[k]
				if w == nil {
					t.Errorf("grouped %v: row %+v the CLI has not", grouped, k)
					continue
				}
				delete(want, k)
				if j.num("uploads") != w.uploads || j.num("parts") != w.parts || j.num("bytes") != w.bytes {
					t.Errorf("%+v: report %v, CLI %+v", k, j, w)
				}
				if w.uploads > 0 && j.str("oldest_initiated") != w.oldest.UTC().Format(time.RFC3339) {
					t.Errorf("%+v: oldest %s, CLI %v", k, j.str("oldest_initiated"), w.oldest)
				}
				if j.str("region") != "us-east-1" {
					t.Errorf("%+v: region %q", k, j.str("region"))
				}
				tot.uploads += w.uploads
				tot.parts += w.parts
				tot.bytes += w.bytes
			}
			if len(want) > 0 {
				t.Errorf("grouped %v: rows missing from the report: %v", grouped, want)
			}
			total := lines[len(lines)-1]
			if total["total"] != true || total.num("uploads") != tot.uploads || total.num("parts") != tot.parts || total.num("bytes") != tot.bytes {
				t.Errorf("total %v, want %+v", total, tot)
			}
			if n, _ := total["requests"].(float64); n == 0 || total.str("prices") == "" {
				t.Errorf("total says nothing of the scan: %v", total)
			}
		}
	})

	t.Run("lifecycle and cost", func(t *testing.T) {
		r := s.report(t, "--format", "json", "--by", "prefix", "rpt-main", "rpt-other", "rpt-nolc")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		rows := map[string]jsonLine{}
		for _, j := range parseJSONLines(t, r.stdout) {
			rows[j.str("bucket")+" "+j.str("prefix")] = j
		}
		cold := rows["rpt-main cold/"]
		oldest, _ := time.Parse(time.RFC3339, cold.str("oldest_initiated"))
		if cold.str("lifecycle") != "covered" || cold.num("abort_days") != 7 || cold.str("next_abort") != listing.AbortDate(oldest, 7).Format(time.RFC3339) {
			t.Errorf("rpt-main cold/: %v", cold)
		}
		// GLACIER parts at the Standard staging rate: 3,300 bytes.
		if c, _ := cold["monthly_cost_usd"].(float64); math.Abs(c-3300.0/(1<<30)*0.023) > 1e-10 {
			t.Errorf("rpt-main cold/ cost %v", cold["monthly_cost_usd"])
		}
		if ia := rows["rpt-other ia/"]; ia.str("lifecycle") != "covered" || ia.num("abort_days") != 2 {
			t.Errorf("rpt-other ia/: %v", ia)
		}
		if std := rows["rpt-other std/"]; std.str("lifecycle") != "none" || std["no_abort_rule"].(map[string]any)["bytes"] != 10.0 {
			t.Errorf("rpt-other std/: %v", std)
		}
		if nolc := rows["rpt-nolc std/"]; nolc.str("lifecycle") != "unknown" || nolc["no_abort_rule"] != nil {
			t.Errorf("rpt-nolc std/ (lifecycle denied): %v", nolc)
		}
	})

	t.Run("csv", func(t *testing.T) {
		r := s.report(t, "--format", "csv", "--by", "storage-class", "rpt-main")
		recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
		if r.code != 0 || err != nil {
			t.Fatalf("exit %d, %v: %s", r.code, err, r.stdout)
		}
		col := map[string]int{}
		for i, h := range recs[0] {
			col[h] = i
		}
		for _, h := range []string{"bucket_name", "storage_class", "aws_region", "record_type", "record_value",
			"incomplete_mpu_storage_bytes", "incomplete_mpu_object_count",
			"incomplete_mpu_storage_older_than_7_days_bytes", "incomplete_mpu_object_older_than_7_days_count"} {
			if _, ok := col[h]; !ok {
				t.Errorf("no column %s in %v", h, recs[0])
			}
		}
		want := cliSums(cli, []string{"rpt-main"}, true)
		byClass := map[string]int64{}
		for k, v := range want {
			byClass[k.class] += v.bytes
		}
		for _, rec := range recs[1 : len(recs)-1] {
			if rec[col["record_type"]] != "BUCKET" || rec[col["bucket_name"]] != "rpt-main" || rec[col["aws_region"]] != "us-east-1" {
				t.Errorf("row %v", rec)
			}
			if c := rec[col["storage_class"]]; rec[col["incomplete_mpu_storage_bytes"]] != fmt.Sprint(byClass[c]) {
				t.Errorf("%s: %s bytes, the CLI %d", c, rec[col["incomplete_mpu_storage_bytes"]], byClass[c])
			}
			delete(byClass, rec[col["storage_class"]])
		}
		if last := recs[len(recs)-1]; last[col["record_type"]] != "ACCOUNT" || len(byClass) != 0 {
			t.Errorf("last row %v; classes missing %v", last, byClass)
		}
	})

	t.Run("openmetrics", func(t *testing.T) {
		r := s.report(t, "--format", "openmetrics", "--by", "storage-class", "rpt-main", "rpt-other")
		if r.code != 0 || !strings.HasSuffix(r.stdout, "# EOF\n") {
			t.Fatalf("exit %d: %q", r.code, r.stdout)
		}
		// node_exporter's textfile collector reads the file with this parser.
		p := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := p.TextToMetricFamilies(strings.NewReader(r.stdout))
		if err != nil {
			t.Fatal(err)
		}
		want := cliSums(cli, []string{"rpt-main", "rpt-other"}, true)
		byClass := map[[2]string]int64{}
		for k, v := range want {
			byClass[[2]string{k.bucket, k.class}] += v.bytes
		}
		got := map[[2]string]int64{}
		for _, m := range fams["uploadfs_incomplete_upload_bytes"].GetMetric() {
			if m.TimestampMs != nil {
				t.Error("a sample with a timestamp: the textfile collector refuses the file")
			}
			l := map[string]string{}
			for _, lp := range m.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			got[[2]string{l["bucket"], l["storage_class"]}] = int64(m.GetGauge().GetValue())
		}
		if fmt.Sprint(got) != fmt.Sprint(byClass) {
			t.Errorf("bytes by bucket and class: %v, the CLI %v", got, byClass)
		}
		if ts := fams["uploadfs_report_timestamp_seconds"].GetMetric(); len(ts) != 1 || time.Since(time.Unix(int64(ts[0].GetGauge().GetValue()), 0)) > time.Hour {
			t.Errorf("report timestamp %v", ts)
		}
	})

	t.Run("table", func(t *testing.T) {
		r := s.report(t, "rpt-main", "rpt-empty")
		if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "USD/MONTH") || !strings.Contains(r.stdout, "TOTAL") ||
			!strings.Contains(r.stdout, "covered (7 days)") || !strings.Contains(r.stdout, "prices: AWS list prices") {
			t.Errorf("exit %d, stderr %q:\n%s", r.code, r.stderr, r.stdout)
		}
	})

	t.Run("progress only on a terminal", func(t *testing.T) {
		script := shelltest.Need(t, "script") // util-linux: runs the command on a pseudo-terminal
		s.fault.SlowBy = 300 * time.Millisecond
		s.fault.SetRule(func(r faultproxy.Request) faultproxy.Fault {
			if r.Op == "ListParts" {
				return faultproxy.Slow
			}
			return faultproxy.None
		})
		defer s.fault.SetRule(nil)
		dir := t.TempDir()
		out, tty := filepath.Join(dir, "out"), filepath.Join(dir, "tty")
		line := fmt.Sprintf("%s report --endpoint-url %s --path-style --format json --concurrency 1 rpt-main > %s", uploadfsBin, s.at.url, out)
		cmd := exec.Command(script, "-qec", line, tty)
		cmd.Env = s.g.env
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		if got := shelltest.Sh(t, "cat "+shelltest.Quote(tty)); !strings.Contains(got, "uploads") || !strings.Contains(got, "requests") {
			t.Errorf("no progress on the terminal: %q", got)
		}
		if rows := parseJSONLines(t, shelltest.Sh(t, "cat "+shelltest.Quote(out))); len(rows) != 2 || rows[1]["total"] != true {
			t.Errorf("stdout %v", rows)
		}
		line = fmt.Sprintf("%s report --endpoint-url %s --path-style --quiet rpt-main > %s", uploadfsBin, s.at.url, out)
		cmd = exec.Command(script, "-qec", line, tty)
		cmd.Env = s.g.env
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		if got := shelltest.Sh(t, "cat "+shelltest.Quote(tty)); strings.Contains(got, "requests") {
			t.Errorf("--quiet, and progress on the terminal: %q", got)
		}
	})

	t.Run("inaccessible bucket", func(t *testing.T) {
		s.fault.SetRule(func(r faultproxy.Request) faultproxy.Fault {
			if r.Op == "ListMultipartUploads" && strings.HasPrefix(r.Key, "GET /rpt-other") {
				return faultproxy.Forbidden
			}
			return faultproxy.None
		})
		defer s.fault.SetRule(nil)
		r := s.report(t, "--format", "json")
		if r.code != 1 || !strings.Contains(r.stderr, "could not be listed") {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
		lines := parseJSONLines(t, r.stdout)
		for _, j := range lines {
			switch {
			case j.str("bucket") == "rpt-other":
				if !strings.Contains(j.str("error"), "AccessDenied") || j["uploads"] != nil || j["bytes"] != nil {
					t.Errorf("the denied bucket: %v", j)
				}
			case j.str("error") != "":
				t.Errorf("an error on another row: %v", j)
			}
		}
		if len(lines) != len(buckets)+1 || lines[len(lines)-1].num("failed") != 1 {
			t.Errorf("rows %v", lines)
		}
	})

	t.Run("failing server", func(t *testing.T) {
		s.fault.SetRule(func(r faultproxy.Request) faultproxy.Fault { return faultproxy.SlowDown })
		defer s.fault.SetRule(nil)
		r := s.report(t, "--format", "csv", "rpt-main", "rpt-other")
		recs, _ := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
		if r.code != 1 || len(recs) != 4 {
			t.Fatalf("exit %d, %d records: %s %s", r.code, len(recs), r.stdout, r.stderr)
		}
		for _, rec := range recs[1:3] {
			if e := rec[len(rec)-1]; !strings.Contains(e, "503") || rec[7] != "" {
				t.Errorf("row %v", rec)
			}
		}
		// With no bucket named, the account cannot be listed: one line.
		oneLine(t, s.report(t), 1, "SlowDown")
	})

	t.Run("usage", func(t *testing.T) {
		for _, args := range [][]string{{"--format", "xml"}, {"--by", "owner"}, {"--age", "0d"}, {"--age", "week"},
			{"--price", "STANDARD"}, {"--depth", "0"}, {"--concurrency", "0"}, {"--glacier", "--by", "prefix"}, {"/nobucket"}} {
			if r := s.report(t, args...); r.code != 2 {
				t.Errorf("%v: exit %d, %q", args, r.code, r.stderr)
			}
		}
	})
}

// Ctrl-C stops the report at once: no rows, no total, exit 1.
func TestReportInterrupt(t *testing.T) {
	s := startReportServer(t)
	s.g.aws(t, nil, "s3api", "create-bucket", "--bucket", "rpt-slow")
	s.g.aws(t, nil, "s3api", "create-multipart-upload", "--bucket", "rpt-slow", "--key", "a")
	s.fault.SlowBy = time.Hour
	s.fault.SetRule(func(r faultproxy.Request) faultproxy.Fault {
		if r.Op == "ListParts" {
			return faultproxy.Slow
		}
		return faultproxy.None
	})
	cmd := exec.Command(uploadfsBin, "report", "--endpoint-url", s.at.url, "--path-style", "--format", "json")
	cmd.Env = s.g.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for seen := 0; seen == 0; time.Sleep(10 * time.Millisecond) {
		_, faults := s.fault.Stats()
		seen = faults[faultproxy.Slow]
	}
	cmd.Process.Signal(syscall.SIGINT)
	if code := waitExit(t, cmd); code != 1 || stdout.Len() != 0 || !strings.Contains(stderr.String(), "interrupted") {
		t.Fatalf("after SIGINT: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}

// --glacier: a row per vault, its bytes those du -sb finds through a
// --glacier mount of the same server.
func TestReportGlacier(t *testing.T) {
	g, mnt := seededGlacierMount(t)
	r := uploadfs(t, g.env, "report", "--glacier", "--endpoint-url", g.url, "--format", "json")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := parseJSONLines(t, r.stdout)
	vaults := strings.Fields(shelltest.Sh(t, "ls "+mnt))
	if len(lines) != len(vaults)+1 {
		t.Fatalf("%d lines for vaults %v: %s", len(lines), vaults, r.stdout)
	}
	for i, v := range vaults {
		j := lines[i]
		du := strings.Fields(shelltest.Sh(t, "du -sb "+shelltest.Quote(filepath.Join(mnt, v))))[0]
		if j.str("bucket") != v || fmt.Sprint(j.num("bytes")) != du || j["lifecycle"] != nil {
			t.Errorf("vault %s: %v; du -sb %s", v, j, du)
		}
	}
}
