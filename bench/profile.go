package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// profiling is the profiles being fetched from the servers during a case.
type profiling struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []error
}

// startProfiles fetches, from each server's --pprof listener, a CPU
// profile, the block and mutex profiles and an execution trace of the time
// a case runs (all but its last second, so that they end before the load
// does), into dir as CASE-sN-cpu.pprof, … -trace.out. Read them with
// go tool pprof -top FILE; the trace with go tool trace -pprof=sched or
// -pprof=net, which show the waits the block profile does not (for the
// scheduler, the network).
func startProfiles(ctx context.Context, dir, caseName string, servers []*server, d time.Duration) *profiling {
	p := &profiling{}
	secs := max(1, int(d.Seconds())-1)
	prefix := strings.ReplaceAll(caseName, "/", "-")
	for i, s := range servers {
		for kind, name := range map[string]string{"profile": "cpu.pprof", "block": "block.pprof", "mutex": "mutex.pprof", "trace": "trace.out"} {
			file := filepath.Join(dir, fmt.Sprintf("%s-s%d-%s", prefix, i, name))
			url := fmt.Sprintf("%s%s?seconds=%d", s.pprofURL, kind, secs)
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				if err := fetchTo(ctx, url, file); err != nil {
					p.mu.Lock()
					p.errs = append(p.errs, err)
					p.mu.Unlock()
				}
			}()
		}
	}
	return p
}

// wait waits for the profiles and says which could not be written.
func (p *profiling) wait() error {
	p.wg.Wait()
	return errors.Join(p.errs...)
}

// fetchTo writes the body of GET url to file.
func fetchTo(ctx context.Context, url, file string) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("profile %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("profile %s: %s %s", url, resp.Status, b)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
