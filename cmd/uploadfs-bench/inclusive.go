package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/uploadfs/uploadfs/internal/s3server"
)

// The inclusive-marker level: the wide level's uploads on gofakes3 (the
// server behind `rclone serve s3`), whose key marker's own entry comes
// back at the head of the next page, behind a delay proxy of its own
// without replay (gofakes3 answers from memory). uploadfs absorbs the
// repeated entry and keeps its ranged listing; before, it listed such a
// level again one page after another.

// inclusiveResult is the whole inclusive-marker level, medians of -reps
// fresh mounts.
type inclusiveResult struct {
	uploads, listed int
	whole           time.Duration
	requests        int64 // ListMultipartUploads
}

func (b *bench) measureInclusive() (inclusiveResult, error) {
	r := inclusiveResult{uploads: b.o.levelUploads}
	srv, err := s3server.Start()
	if err != nil {
		return r, err
	}
	defer srv.Close()
	if err := seedLevel(srv.Client(), r.uploads); err != nil {
		return r, err
	}
	url, p, stop, err := behindProxy(srv.URL, b.o.delay)
	if err != nil {
		return r, err
	}
	defer stop()
	var wholes []time.Duration
	var reqs []int64
	for range b.o.reps {
		m, err := b.mountAt(url, "--bucket", levelBucket)
		if err != nil {
			return r, err
		}
		dir := filepath.Join(m.dir, levelBucket, strings.TrimSuffix(levelPrefix, "/"))
		if _, err := os.Stat(dir); err != nil {
			m.close()
			return r, err
		}
		before := p.snapshot()
		start := time.Now()
		r.listed, err = countLs(dir)
		wholes = append(wholes, time.Since(start))
		reqs = append(reqs, uploadListings(p.snapshot().since(before)))
		m.close()
		if err != nil {
			return r, err
		}
	}
	r.whole, r.requests = median(wholes), medianInt(reqs)
	return r, nil
}

// printInclusive writes the row against issue 21's goal for such servers.
func (b *bench) printInclusive(r inclusiveResult) bool {
	trips, tripsOf := 0.0, "n/a (no delay)"
	if b.o.delay > 0 {
		trips = r.whole.Seconds() / b.o.delay.Seconds()
		tripsOf = fmt.Sprintf("%.1f round trips", trips)
	}
	met := trips <= 8 && r.requests <= 40 && r.listed == r.uploads
	fmt.Printf("| level of %d uploads on gofakes3 (inclusive markers), whole (`ls`), fresh mount | %s = %s, %d ListMultipartUploads, %d names | one page after another: %d requests | | ≤ 8 round trips, ≤ 40 requests | %s |\n",
		r.uploads, sec(r.whole), tripsOf, r.requests, r.listed, (r.uploads+999)/1000, yes(met))
	return met
}
