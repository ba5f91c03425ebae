package workspaced

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"time"
)

// Sampling of the block and mutex profiles while --pprof is on: one
// blocking event per 10 µs spent blocked, one contended unlock in 10. Both
// cost a little on every lock, which is why they are only set with --pprof.
const (
	pprofBlockRate     = int(10 * time.Microsecond)
	pprofMutexFraction = 10
)

// servePprof serves Go's profiles (/debug/pprof/) on addr until ctx ends,
// for finding where a loaded server spends its time. The profiles show
// code paths, timings and command-line arguments, so the address must be
// a loopback one: the listener is for someone on the server's own machine.
func servePprof(ctx context.Context, addr string, log *slog.Logger) error {
	if err := checkLoopback(addr); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--pprof: listen on %s: %w (choose another port, e.g. --pprof 127.0.0.1:0)", addr, err)
	}
	runtime.SetBlockProfileRate(pprofBlockRate)
	runtime.SetMutexProfileFraction(pprofMutexFraction)
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	log.Info("pprof listening", "address", "http://"+ln.Addr().String()+"/debug/pprof/")
	// No write timeout: a CPU profile or a trace answers after its seconds.
	serveAside(ctx, ln, mux, 0)
	return nil
}

// serveAside serves h on ln, beside the API, until ctx ends.
func serveAside(ctx context.Context, ln net.Listener, h http.Handler, writeTimeout time.Duration) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: writeTimeout}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() { _ = srv.Serve(ln) }()
}

// checkLoopback refuses an address that other machines could reach.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return &usageError{msg: fmt.Sprintf("--pprof %q: %v (give HOST:PORT, e.g. 127.0.0.1:6060)", addr, err)}
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return &usageError{msg: fmt.Sprintf("--pprof %q: profiles are served on a loopback address only, e.g. 127.0.0.1:6060", addr)}
	}
	return nil
}
