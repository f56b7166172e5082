package report

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Prices are the monthly storage prices per storage class and the request
// prices the report's costs are computed with. The zero value has no
// prices; start from DefaultPrices.
type Prices struct {
	// Table names where the prices come from, for the output.
	Table string
	// PerGBMonth is USD per GB-month (1 GB = 2^30 bytes, as AWS bills and
	// Storage Lens counts) by storage class, as S3 names it.
	PerGBMonth map[string]float64
	// ListPer1000 is USD per 1,000 LIST requests (ListBuckets,
	// ListMultipartUploads, ListParts), GetPer1000 per 1,000 GET-class
	// requests (GetBucketLifecycleConfiguration).
	ListPer1000, GetPer1000 float64
	// Overridden are the classes --price set, sorted.
	Overridden []string
}

// defaultTable: AWS's public list prices for US East (N. Virginia), first
// 50 TB a month, from the Amazon S3 pricing page as published in 2025
// (S3 Express One Zone at $0.11, its price since its reduction of April
// 2025, as the S3 FAQ's worked example uses). Requests: $0.005 per 1,000
// PUT, COPY, POST and LIST requests; $0.0004 per 1,000 GET requests.
const defaultTable = "AWS list prices, us-east-1, 2025 (aws.amazon.com/s3/pricing)"

// DefaultPrices returns the embedded table (a copy: Set changes only it).
func DefaultPrices() *Prices {
	return &Prices{
		Table: defaultTable,
		PerGBMonth: map[string]float64{
			"STANDARD":            0.023,
			"INTELLIGENT_TIERING": 0.023, // frequent access tier, where new data starts
			"STANDARD_IA":         0.0125,
			"ONEZONE_IA":          0.01,
			"GLACIER_IR":          0.004,
			"GLACIER":             0.0036,
			"DEEP_ARCHIVE":        0.00099,
			"EXPRESS_ONEZONE":     0.11,
			GlacierVault:          0.0036, // the vault API's own storage price
		},
		ListPer1000: 0.005,
		GetPer1000:  0.0004,
	}
}

// Set overrides the price of class (--price CLASS=USD_PER_GB_MONTH). A
// class the table does not price (a typo such as STANDRAD), or one whose
// parts are billed as another class, is an error: the override would
// change nothing while the output said it was applied.
func (p *Prices) Set(class string, usd float64) error {
	if billed := BilledAs(class); billed != class {
		return fmt.Errorf("parts of %s uploads are billed as %s while in progress: set %s", class, billed, billed)
	}
	if _, ok := p.PerGBMonth[class]; !ok {
		return fmt.Errorf("unknown storage class %q: the classes priced are %s", class, strings.Join(p.settable(), ", "))
	}
	p.PerGBMonth[class] = usd
	if !slices.Contains(p.Overridden, class) {
		p.Overridden = append(p.Overridden, class)
		slices.Sort(p.Overridden)
	}
	return nil
}

// settable are the classes Set accepts, sorted.
func (p *Prices) settable() []string {
	var cs []string
	for _, c := range slices.Sorted(maps.Keys(p.PerGBMonth)) {
		if BilledAs(c) == c {
			cs = append(cs, c)
		}
	}
	return cs
}

// ParsePrice parses CLASS=USD_PER_GB_MONTH.
func ParsePrice(s string) (class string, usd float64, err error) {
	class, v, ok := strings.Cut(s, "=")
	class = strings.ToUpper(strings.TrimSpace(class))
	if !ok || class == "" {
		return "", 0, fmt.Errorf("price %q is not CLASS=USD_PER_GB_MONTH", s)
	}
	usd, err = strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || usd < 0 {
		return "", 0, fmt.Errorf("price %q: %q is not a non-negative number of USD per GB-month", s, v)
	}
	return class, usd, nil
}

// Source says which prices were used, for the output.
func (p *Prices) Source() string {
	if len(p.Overridden) == 0 {
		return p.Table
	}
	var o []string
	for _, c := range p.Overridden {
		o = append(o, fmt.Sprintf("%s=%g", c, p.PerGBMonth[c]))
	}
	return p.Table + ", with --price " + strings.Join(o, " ")
}

// BilledAs is the class an upload's parts are billed in until the upload
// completes. Parts of uploads to S3 Glacier Flexible Retrieval (GLACIER)
// and Deep Archive are staged in S3 and billed at the S3 Standard rate
// (the bill's "GlacierStagingStorage" line, $0.023 per GB-month in
// us-east-1); they are archived only when the upload completes, so
// aborting one has no early-deletion charge. GLACIER_IR is not an archive
// class (its objects are read directly) and no AWS source says its parts
// are staged: they are priced as GLACIER_IR. An empty class (a server
// that does not say) is STANDARD; a class with no price is priced as
// STANDARD too (see Price).
func BilledAs(class string) string {
	switch class {
	case "", "GLACIER", "DEEP_ARCHIVE":
		return "STANDARD"
	}
	return class
}

// Price is the monthly price per GB of a class's in-progress parts, and
// the class that price is for: STANDARD for a class the table lacks.
func (p *Prices) Price(class string) (usd float64, billed string) {
	billed = BilledAs(class)
	if v, ok := p.PerGBMonth[billed]; ok {
		return v, billed
	}
	return p.PerGBMonth["STANDARD"], "STANDARD"
}

// gb is one binary gigabyte.
const gb = 1 << 30

// Monthly is the monthly cost of bytes by storage class.
func (p *Prices) Monthly(byClass map[string]int64) float64 {
	var usd float64
	for _, class := range slices.Sorted(maps.Keys(byClass)) { // a fixed order: the same sum every time
		price, _ := p.Price(class)
		usd += float64(byClass[class]) / gb * price
	}
	return usd
}

// ScanCost is what the requests the report sent cost.
func (p *Prices) ScanCost(r RequestCounts) float64 {
	return float64(r.List)/1000*p.ListPer1000 + float64(r.Other)/1000*p.GetPer1000
}
