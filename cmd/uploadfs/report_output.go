package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/uploadfs/uploadfs/report"
)

// write writes rep in --format to --output, or to stdout. A file is
// written beside its name and renamed over it once whole: a reader (a
// browser, a mail, a collector) never sees half a report.
func (rc *reportConfig) write(rep *report.Report, stdout io.Writer) error {
	writers := map[string]func(io.Writer) error{
		"json": rep.WriteJSON, "csv": rep.WriteCSV, "openmetrics": rep.WriteMetrics, "html": rep.WriteHTML, "table": rep.WriteTable,
	}
	write := writers[rc.Format]
	if rc.Output == "" {
		return write(stdout)
	}
	f, err := os.CreateTemp(filepath.Dir(rc.Output), "."+filepath.Base(rc.Output)+".*")
	if err != nil {
		return fmt.Errorf("--output: %w", err)
	}
	defer os.Remove(f.Name()) // gone once renamed
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--output: %w", err)
	}
	if err := os.Rename(f.Name(), rc.Output); err != nil {
		return fmt.Errorf("--output: %w", err)
	}
	return nil
}
