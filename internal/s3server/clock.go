package s3server

import (
	"sync"
	"time"

	"github.com/rclone/gofakes3"
)

// Clock is the server's time: real time, or a fixed offset from it while
// seeding so that uploads look days old.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now implements gofakes3.TimeSource.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset).UTC()
}

// Since implements gofakes3.TimeSource.
func (c *Clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Backdate makes the server's clock run ago behind real time (zero resets it).
func (c *Clock) Backdate(ago time.Duration) {
	c.mu.Lock()
	c.offset = -ago
	c.mu.Unlock()
}

// ensure the interface is the one gofakes3 expects.
var _ gofakes3.TimeSource = (*Clock)(nil)
