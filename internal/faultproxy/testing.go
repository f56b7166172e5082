package faultproxy

// TB is what these helpers use of a test (TB has it), declared
// here so that the uploadfs binary, whose demo uses the lifecycle front,
// does not link package testing.
type TB interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
}

// NewT starts a proxy in front of target for a test and closes it when
// the test ends. A proxy that does not start fails the test.
func NewT(t TB, target string) *Proxy {
	t.Helper()
	return startT(t, New, target)
}

// NewLifecycleT starts a lifecycle front in front of target for a test
// and closes it when the test ends.
func NewLifecycleT(t TB, target string) *Lifecycle {
	t.Helper()
	return startT(t, NewLifecycle, target)
}

func startT[P interface{ Close() }](t TB, start func(string) (P, error), target string) P {
	t.Helper()
	p, err := start(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}
