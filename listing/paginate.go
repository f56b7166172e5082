package listing

import "fmt"

// paginate calls page with marker from, then with each next marker it
// returns, until it returns "" (the listing is complete). A marker seen
// before, or more than max pages, ends the listing with an error instead
// of a loop. It serves every listing whose marker is one opaque string
// (ListBuckets, and Glacier's three); the caller wraps the error for its
// operation.
func paginate(max int, from string, page func(marker string) (next string, err error)) error {
	seen := map[string]bool{}
	marker := from
	for n := 0; ; n++ {
		if n >= max {
			return fmt.Errorf("more than %d pages", max)
		}
		next, err := page(marker)
		if err != nil || next == "" {
			return err
		}
		if seen[next] || next == marker {
			return fmt.Errorf("marker %q repeated: the listing does not advance", next)
		}
		seen[next] = true
		marker = next
	}
}

// collector gathers the entries of a paginated listing once each, by name:
// pages may repeat an entry at their seams, and an entry without a name
// is no entry.
type collector[T any] struct {
	seen  map[string]bool
	items []T
}

func (c *collector[T]) add(name string, item T) {
	if name == "" || c.seen[name] {
		return
	}
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	c.seen[name] = true
	c.items = append(c.items, item)
}
