package report

// run runs f on an idle worker, or on a new one. A part listing's
// goroutine grows its stack through the SDK's middleware; with a goroutine
// of its own per listing, copying stacks took a quarter of the report's
// CPU. Workers wait for more until the walk ends (Run closes jobs).
func (w *walker) run(f func()) {
	select {
	case w.jobs <- f:
	default:
		go func() {
			f()
			for f := range w.jobs {
				f()
			}
		}()
	}
}
