package bulk

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

// journal records the rows that runs of a verb over a file got done, by
// their keys, so that --resume sends only the rest, whatever was edited,
// inserted or reordered since. It is written as rows finish, so a run
// stopped by Ctrl-C, a crash or a network failure leaves it current; a run
// that ends with every row done removes it.
//
// Each verb has its own journal of a file, named after the verb, and each
// entry is a hash of the verb's name and the row's key: a journal of
// 'users deactivate' never makes 'users invite --resume' skip a row. It
// lives beside the file (people.csv.users-invite.wsctl-journal), or in
// $XDG_STATE_HOME/wsctl/journals when that directory cannot be written.
// The journal of stdin is always there, named by a hash of the input, so
// that only the very same input piped again resumes it.
//
// Each line is the entry, then the line and email of the row
// (tab-separated; those two are for people reading it).
type journal struct {
	path string
	verb string
	f    *os.File
	w    *bufio.Writer
	// done holds the entries of the rows done before this run (--resume).
	done map[entry]struct{}
	// found says whether --resume found a journal of an earlier run.
	found bool
}

// entry is a row's key hashed with the verb's name: 16 bytes, so a journal
// of 100,000 rows costs little memory, whatever the verb's keys are like.
type entry [16]byte

const journalSuffix = ".wsctl-journal"

// journalName ends the name of verb's journals: ".users-invite.wsctl-journal".
func journalName(verb string) string {
	return "." + strings.ReplaceAll(verb, " ", "-") + journalSuffix
}

// journalPaths are where the journal of verb over f may be: beside the
// file first, else in the state directory.
func journalPaths(f *File, verb string) []string {
	name := journalName(verb)
	dir := stateDir()
	if f.IsStdin() {
		return []string{filepath.Join(dir, "stdin-"+f.sum[:16]+name)}
	}
	abs, err := filepath.Abs(f.Path)
	if err != nil {
		abs = f.Path
	}
	sum := sha256.Sum256([]byte(abs))
	return []string{f.Path + name, filepath.Join(dir, filepath.Base(f.Path)+"-"+hex.EncodeToString(sum[:6])+name)}
}

func stateDir() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "wsctl", "journals")
}

// openJournal opens the journal of verb over f: with resume, it reads what
// is done and appends; without, it starts a new one.
func openJournal(f *File, verb string, resume bool) (*journal, error) {
	paths := journalPaths(f, verb)
	if resume && len(paths) > 1 {
		if _, err := os.Stat(paths[0]); errors.Is(err, fs.ErrNotExist) {
			if _, err := os.Stat(paths[1]); err == nil { // an earlier run could not write beside the file
				paths = paths[1:]
			}
		}
	}
	var err error
	for i, path := range paths {
		j := &journal{path: path, verb: verb, done: map[entry]struct{}{}}
		if i > 0 || f.IsStdin() { // the state directory
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return nil, fmt.Errorf("journal: %w", err)
			}
		}
		if err = j.open(resume); err == nil {
			return j, nil
		}
		if !errors.Is(err, fs.ErrPermission) && !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	return nil, fmt.Errorf("journal: %w", err)
}

// readJournal reads, without writing it, the journal of an earlier run of
// verb over f that --resume would find: nil when there is none.
func readJournal(f *File, verb string) (*journal, error) {
	for _, path := range journalPaths(f, verb) {
		j := &journal{path: path, verb: verb, done: map[entry]struct{}{}}
		switch err := j.load(); {
		case err == nil:
			return j, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("journal: %w", err)
		}
	}
	return nil, nil
}

func (j *journal) open(resume bool) error {
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if resume {
		switch err := j.load(); {
		case err == nil:
			j.found = true
		case !errors.Is(err, fs.ErrNotExist):
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
		text, _, _ := strings.Cut(sc.Text(), "\t")
		var e entry
		if n, err := hex.Decode(e[:], []byte(text)); err == nil && n == len(e) {
			j.done[e] = struct{}{}
		}
	}
	return sc.Err()
}

func (j *journal) entry(key string) entry {
	sum := sha256.Sum256([]byte(strconv.Quote(j.verb) + key))
	return entry(sum[:16])
}

// has reports whether an earlier run got the row of key done.
func (j *journal) has(key string) bool {
	if j == nil || key == "" {
		return false
	}
	_, done := j.done[j.entry(key)]
	return done
}

func (j *journal) record(key string, line int, email string) error {
	if j == nil || key == "" {
		return nil
	}
	e := j.entry(key)
	email = strings.Join(strings.Fields(email), " ") // one line, whatever the cell held
	_, err := j.w.WriteString(hex.EncodeToString(e[:]) + "\t" + strconv.Itoa(line) + "\t" + email + "\n")
	return err
}

func (j *journal) flush() error {
	if j == nil {
		return nil
	}
	return j.w.Flush()
}

func (j *journal) close() error {
	if j == nil {
		return nil
	}
	err := j.w.Flush()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// remove deletes a closed journal once every row is done: there is nothing
// left to resume.
func (j *journal) remove() error {
	if j == nil {
		return nil
	}
	return os.Remove(j.path)
}
