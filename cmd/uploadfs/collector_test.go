package main

import (
	"math"
	"os"
	"runtime/debug"
	"testing"
)

// The mount collects at GOGC 25, every other command at 400 under a soft
// memory limit; GOGC in the environment wins.
func TestCollectorPerCommand(t *testing.T) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOGC or GOMEMLIMIT set in the environment")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	for _, c := range []struct {
		command string
		percent int
		limit   int64
	}{{"mount", mountGCPercent, math.MaxInt64}, {"report", scanGCPercent, scanMemLimit}} {
		debug.SetMemoryLimit(math.MaxInt64)
		setCollector(c.command)
		if p, l := debug.SetGCPercent(100), debug.SetMemoryLimit(-1); p != c.percent || l != c.limit {
			t.Errorf("%s: GOGC %d, limit %d; want %d, %d", c.command, p, l, c.percent, c.limit)
		}
	}
	t.Setenv("GOGC", "50")
	debug.SetGCPercent(50)
	setCollector("report")
	if p := debug.SetGCPercent(100); p != 50 {
		t.Errorf("with GOGC=50: %d", p)
	}
}
