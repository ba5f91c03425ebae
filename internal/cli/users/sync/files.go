package sync

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/wsctl/wsctl/internal/bulk"
)

// writeReport writes --report: line, email, action (the server's name)
// and reason for every row, then for every person missing from the
// roster, whose line is empty.
func writeReport(path string, res Result) error {
	if path == "" {
		return nil
	}
	f, err := bulk.CreateReportCSV(path, []string{"line", "email", "action", "reason"})
	if err != nil {
		return fmt.Errorf("create --report file: %w", err)
	}
	for _, r := range res.Rows {
		line := ""
		if r.Line != nil {
			line = strconv.Itoa(*r.Line)
		}
		if err := f.Write([]string{line, r.Email, r.Action, r.Reason}); err != nil {
			_ = f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// writeFailed writes --failed: the refused and invalid rows of the roster
// as the roster has them, under its own header, ready to fix. It returns
// how many. Without any, the file is removed, so that one left by an
// earlier run is not mistaken for work to do.
func writeFailed(path string, r *roster, res Result) (int, error) {
	if path == "" {
		return 0, nil
	}
	f, err := bulk.CreateCSV(path, r.header)
	if err != nil {
		return 0, fmt.Errorf("create --failed file: %w", err)
	}
	n := 0
	for _, row := range res.Rows {
		if row.fields == nil || !row.failed() {
			continue
		}
		if err := f.Write(row.fields); err != nil {
			_ = f.Close()
			return n, fmt.Errorf("write %s: %w", path, err)
		}
		n++
	}
	if err := f.Close(); err != nil {
		return n, fmt.Errorf("write %s: %w", path, err)
	}
	if n == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return 0, err
		}
	}
	return n, nil
}
