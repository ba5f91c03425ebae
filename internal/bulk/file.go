package bulk

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// Stdin is the --csv value that reads the file from standard input.
const Stdin = "-"

// File is a CSV file checked whole before anything is sent: a bad header, a
// malformed line or a file without rows is a usage error while nothing has
// been done yet. Each Open reads it again from the start, one row at a
// time. Standard input cannot be read twice, so it is copied first to a
// temporary file (mode 0600) that Close removes.
type File struct {
	Path   string   // as given to --csv: a path, or Stdin
	Rows   int      // rows in the file, blank lines not counted
	Header []string // the file's header as written, for --failed

	spec Columns
	read string // the file read: Path, or the copy of stdin
	// sum is a hash of stdin's content, which names its journal: the same
	// input piped again finds the journal of the run before.
	sum string
}

// OpenFile reads path (or stdin, for Stdin) whole and checks it against
// spec. Its errors are usage errors (exit 2) that say what to fix.
func OpenFile(stdin io.Reader, path string, spec Columns) (*File, error) {
	f := &File{Path: path, spec: spec, read: path}
	if path == Stdin {
		if err := f.copyStdin(stdin); err != nil {
			return nil, err
		}
	}
	if err := f.check(); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

// Name is the file for messages: its path, or "stdin".
func (f *File) Name() string {
	if f.IsStdin() {
		return "stdin"
	}
	return f.Path
}

// IsStdin says whether the file came from standard input.
func (f *File) IsStdin() bool { return f.Path == Stdin }

// Open starts a new pass over the rows; the Reader's Close closes it.
func (f *File) Open() (*Reader, error) {
	file, err := os.Open(f.read)
	if err != nil {
		return nil, cmdutil.FlagErrorf("read --csv file: %v", err)
	}
	rd, err := NewReader(file, f.spec)
	if err != nil {
		_ = file.Close()
		return nil, cmdutil.FlagErrorf("%s: %v", f.Name(), err)
	}
	rd.closer = file
	return rd, nil
}

// Close removes the copy of stdin; it does nothing for a file.
func (f *File) Close() error {
	if f.read == f.Path {
		return nil
	}
	err := os.Remove(f.read)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

func (f *File) copyStdin(stdin io.Reader) error {
	tmp, err := os.CreateTemp("", "wsctl-stdin-*.csv") // mode 0600
	if err != nil {
		return fmt.Errorf("keep a copy of stdin: %w", err)
	}
	f.read = tmp.Name()
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(tmp, h), stdin)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("read stdin: %w", err)
	}
	f.sum = hex.EncodeToString(h.Sum(nil))
	return nil
}

// check reads every row once, keeping none, and counts them.
func (f *File) check() error {
	rd, err := f.Open()
	if err != nil {
		return err
	}
	defer rd.Close()
	f.Header = rd.Header()
	for {
		_, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return cmdutil.FlagErrorf("%s: %v", f.Name(), err)
		}
		f.Rows++
	}
	if f.Rows == 0 {
		return cmdutil.FlagErrorf("%s has a header but no rows: add a row per line under %s", f.Name(), f.spec.want())
	}
	return nil
}
