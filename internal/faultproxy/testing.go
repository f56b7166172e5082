package faultproxy

import "testing"

// NewT starts a proxy in front of target for a test and closes it when
// the test ends. A proxy that does not start fails the test.
func NewT(t testing.TB, target string) *Proxy {
	t.Helper()
	p, err := New(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// NewLifecycleT starts a lifecycle front in front of target for a test
// and closes it when the test ends.
func NewLifecycleT(t testing.TB, target string) *Lifecycle {
	t.Helper()
	f, err := NewLifecycle(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}
