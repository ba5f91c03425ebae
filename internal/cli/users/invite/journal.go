package invite

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// journal records the rows that runs of a file got done (invited, or
// replayed by the server), by their idempotency key, so that --resume sends
// only the rest, whatever was edited, inserted or reordered since. It is
// written as rows finish, so a run stopped by Ctrl-C, a crash or a network
// failure leaves it current; a run that ends with every row done removes it.
//
// It lives beside the CSV file (people.csv → people.csv.wsctl-journal), or
// in $XDG_STATE_HOME/wsctl/journals when that directory cannot be written.
// Each line is: key, line, email (tab-separated; the line and email are for
// people reading it).
type journal struct {
	path string
	f    *os.File
	w    *bufio.Writer
	// done holds the keys of the rows done before this run (--resume).
	done map[[16]byte]struct{}
}

const journalSuffix = ".wsctl-journal"

// openJournal opens the journal of csvPath: with resume, it reads what is
// done and appends; without, it starts a new one.
func openJournal(csvPath string, resume bool) (*journal, error) {
	j := &journal{path: csvPath + journalSuffix, done: map[[16]byte]struct{}{}}
	if err := j.open(resume); errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrNotExist) {
		j.path = stateJournalPath(csvPath)
		if err := os.MkdirAll(filepath.Dir(j.path), 0o700); err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		err = j.open(resume)
		if err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return j, nil
}

func (j *journal) open(resume bool) error {
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if resume {
		if err := j.load(); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	f, err := os.OpenFile(j.path, flags, 0o600)
	if err != nil {
		return err
	}
	j.f, j.w = f, bufio.NewWriter(f)
	return nil
}

func (j *journal) load() error {
	f, err := os.Open(j.path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, _, _ := strings.Cut(sc.Text(), "\t")
		if k, ok := keyBytes(key); ok {
			j.done[k] = struct{}{}
		}
	}
	return sc.Err()
}

// stateJournalPath names the journal of a file in the state directory:
// the file's name and a hash of its absolute path.
func stateJournalPath(csvPath string) string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".local", "state")
	}
	abs, err := filepath.Abs(csvPath)
	if err != nil {
		abs = csvPath
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(dir, "wsctl", "journals", filepath.Base(csvPath)+"-"+hex.EncodeToString(sum[:6])+journalSuffix)
}

// keyBytes turns a row key (wsctl-csv-<32 hex digits>) into its 16 bytes,
// so that a journal of 100,000 rows costs little memory.
func keyBytes(key string) ([16]byte, bool) {
	var k [16]byte
	h, ok := strings.CutPrefix(key, "wsctl-csv-")
	if !ok || len(h) != 32 {
		return k, false
	}
	if _, err := hex.Decode(k[:], []byte(h)); err != nil {
		return k, false
	}
	return k, true
}

// has reports whether an earlier run got row done.
func (j *journal) has(row Row) bool {
	if j == nil {
		return false
	}
	k, ok := keyBytes(row.IdempotencyKey)
	if !ok {
		return false
	}
	_, done := j.done[k]
	return done
}

func (j *journal) record(row Row) error {
	if j == nil {
		return nil
	}
	_, err := j.w.WriteString(row.IdempotencyKey + "\t" + strconv.Itoa(row.Line) + "\t" + row.Request.Email + "\n")
	return err
}

func (j *journal) flush() error {
	if j == nil {
		return nil
	}
	return j.w.Flush()
}

// close writes what is left; with complete (every row done) the journal
// has nothing left to resume and is removed.
func (j *journal) close(complete bool) error {
	if j == nil {
		return nil
	}
	err := j.w.Flush()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	if complete && err == nil {
		err = os.Remove(j.path)
	}
	return err
}

// readJournal reads the keys of the rows that earlier runs of csvPath got
// done, from the journal beside the file or in the state directory, without
// writing anything (--dry-run). No journal means no row is recorded.
func readJournal(csvPath string) (*journal, error) {
	for _, path := range []string{csvPath + journalSuffix, stateJournalPath(csvPath)} {
		j := &journal{path: path, done: map[[16]byte]struct{}{}}
		err := j.load()
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		return j, nil
	}
	return nil, nil
}
