package workspaced

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"golang.org/x/time/rate"

	"github.com/wsctl/wsctl/internal/admission"
	"github.com/wsctl/wsctl/internal/api"
	"github.com/wsctl/wsctl/internal/authserver"
	"github.com/wsctl/wsctl/internal/authserver/signin"
	"github.com/wsctl/wsctl/internal/mail"
	"github.com/wsctl/wsctl/internal/ratelimit"
	"github.com/wsctl/wsctl/internal/workspace"
)

type serveOptions struct {
	listen      string
	baseURL     string
	smtp        string
	smtpTimeout time.Duration
	rateLimit   float64
	rateBurst   int
	maxInFlight int
	queueWait   time.Duration
	pprof       string
	metrics     string
	proxies     []string
}

// The overload defaults: 16 requests at once keep both cores and a
// database's connections busy (PostgreSQL's pool has 20, SQLite has one
// writer) while the rest wait in a fair queue rather than in the pools,
// where the order is random. The benchmark's heaviest case, 64 closed-loop
// clients, waited at most 1.6 s in the queue on its 2-core machine (single
// invites into one org on PostgreSQL, the slowest path): 5 s is three times
// that, and well within a client's patience (wsctl gives up after 30 s).
const (
	defaultMaxInFlight = 16
	defaultQueueWait   = 5 * time.Second
	// queuePerTurn bounds the queue's length, and with it the memory a
	// flood of requests can take, to this many waiters per request served.
	queuePerTurn = 64
)

func newServeCmd(e *env) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the workspace API",
		Long: heredoc.Docf(`
			Serve the workspace API (docs/openapi.yaml) with /healthz and /readyz, and
			Prometheus metrics on a listener of their own (--metrics-listen).
			The database is migrated at start. SIGINT or SIGTERM stops the server after
			the requests in flight have finished.

			Invite emails are written to the outbox with each invite. Without --smtp they
			stay there: read them with 'workspaced outbox list'. With --smtp a worker sends
			them, retrying with backoff (up to 8 attempts; a 5xx answer fails at once);
			several servers on one database share the work and never send a message at
			the same time. Delivery is at least once: a server that dies mid-send leaves
			its message to be sent again once its lease (3 × --smtp-timeout) expires.

			--smtp takes smtp://[USER@]HOST[:PORT][?starttls=required|opportunistic|none&from=ADDR]
			(port 587, STARTTLS required by default) or smtps://… (TLS from the start, port
			465). Give the password in WORKSPACED_SMTP_PASSWORD rather than in the URL:
			every local user can read a process's arguments. It is never logged.

			--max-in-flight bounds the requests (API, SCIM, sign-in and OAuth) served at
			once. Past it a request waits its turn, first come first served, for up to
			--queue-wait, and at most %d × --max-in-flight requests wait; one that does not
			get its turn is answered 503 with Retry-After, unserved, and /readyz answers 503
			while the server is saturated so that a load balancer sends new requests
			elsewhere. /healthz, /readyz and /metrics never wait. Raise --max-in-flight when
			/metrics shows requests queued while the database has room to spare (PostgreSQL
			with more connections, more cores); raise --queue-wait when clients would rather
			wait than be told to come back. 0 turns the limit off.

			--metrics-listen ADDRESS serves /metrics (Prometheus' text format) on a second
			listener, off by default: the metrics show how busy the server is, what fails
			and how the database fares, which is for the operator's monitoring, not for
			whoever can reach the API. Give an address Prometheus reaches and API clients do
			not (a loopback or internal one); the API's own /metrics answers 404.

			Behind a reverse proxy or load balancer every request comes from the proxy's
			address, so every client would share one rate limit and one sign-in throttle.
			--trusted-proxies lists the proxies (addresses or networks) whose
			X-Forwarded-For is believed: the client is the right-most address of that
			header that is not itself a trusted proxy. From anyone else the header is
			ignored, since any client can write it. Off by default.

			--pprof 127.0.0.1:PORT serves Go's profiles (CPU, heap, goroutines, block and
			mutex) at /debug/pprof/ on a second listener, for finding where a loaded server
			spends its time. Off by default; a loopback address only; it turns on block and
			mutex sampling, which costs a little on every lock.
		`, queuePerTurn),
		Example: heredoc.Doc(`
			$ workspaced serve
			$ workspaced serve --listen 127.0.0.1:9090 --database sqlite:/var/lib/workspaced/ws.db --base-url https://ws.example.com
			$ WORKSPACED_SMTP_PASSWORD=… workspaced serve --database postgres://ws@db.internal/ws --smtp 'smtp://apikey@smtp.example.com:587?from=invites@example.com'
		`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return serveRun(cmd.Context(), e, o) },
	}
	cmd.Flags().StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().StringVar(&o.baseURL, "base-url", "", "public address of this server, used in signup links (default http://LISTEN)")
	cmd.Flags().StringVar(&o.smtp, "smtp", "", "send invite emails through this SMTP server: smtp://USER@HOST:PORT?starttls=required (password in $WORKSPACED_SMTP_PASSWORD)")
	cmd.Flags().DurationVar(&o.smtpTimeout, "smtp-timeout", 30*time.Second, "time allowed to send one email")
	cmd.Flags().Float64Var(&o.rateLimit, "rate-limit", float64(api.DefaultRateLimit), "requests per second allowed per token (0: no limit)")
	cmd.Flags().IntVar(&o.rateBurst, "rate-burst", api.DefaultRateBurst, "requests allowed at once per token")
	cmd.Flags().IntVar(&o.maxInFlight, "max-in-flight", defaultMaxInFlight, "requests served at once; the others wait their turn (0: no limit)")
	cmd.Flags().DurationVar(&o.queueWait, "queue-wait", defaultQueueWait, "longest a request waits for its turn before it is answered 503 with Retry-After")
	cmd.Flags().StringSliceVar(&o.proxies, "trusted-proxies", nil, "reverse proxies (addresses or networks, e.g. 10.0.0.0/8) whose X-Forwarded-For names the client")
	cmd.Flags().StringVar(&o.metrics, "metrics-listen", "", "serve Prometheus metrics at /metrics on this address, e.g. 127.0.0.1:9464 (off by default)")
	cmd.Flags().StringVar(&o.pprof, "pprof", "", "serve Go's profiles at /debug/pprof/ on this loopback address, e.g. 127.0.0.1:6060 (off by default)")
	return cmd
}

func serveRun(ctx context.Context, e *env, o *serveOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(e.errOut, nil))
	queue, err := o.admission()
	if err != nil {
		return err
	}
	proxies, err := ratelimit.ParseProxies(o.proxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}

	if o.pprof != "" {
		if err := servePprof(ctx, o.pprof, log); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another workspaced running? choose another address with --listen)", o.listen, err)
	}
	baseURL := o.baseURL
	if baseURL == "" {
		baseURL = "http://" + loopbackAddr(ln.Addr().(*net.TCPAddr))
	}
	svc, closeStore, err := e.openService(ctx, workspace.WithBaseURL(baseURL))
	if err != nil {
		ln.Close()
		return err
	}
	defer closeStore()
	logKeySource(log, e.keys)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if st, ok := svc.Store().(interface{ Collectors() []prometheus.Collector }); ok {
		reg.MustRegister(st.Collectors()...)
	}
	if st, ok := svc.Store().(interface{ Warm(context.Context) }); ok {
		st.Warm(ctx)
	}
	if o.metrics != "" {
		if err := serveMetrics(ctx, o.metrics, reg, log); err != nil {
			ln.Close()
			return err
		}
	}
	worker, err := newMailWorker(o, svc.Store(), reg, log)
	if err != nil {
		ln.Close()
		return err
	}
	handler, err := newHandler(ctx, svc, baseURL, log, api.Options{
		Logger: log, RateLimit: rate.Limit(o.rateLimit), RateBurst: o.rateBurst, Registry: reg, Admission: queue,
		MetricsElsewhere: true,
	})
	if err != nil {
		ln.Close()
		return err
	}
	// The worker stops with the server; the emails in flight are finished
	// and recorded first (each within --smtp-timeout).
	workerCtx, stopWorker := context.WithCancel(context.WithoutCancel(ctx))
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		if worker != nil {
			worker.Run(workerCtx)
		}
	}()
	defer func() {
		stopWorker()
		<-workerDone
	}()
	srv := &http.Server{
		Handler:           proxies.Wrap(handler),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	log.Info("workspaced listening", "address", "http://"+ln.Addr().String(), "base_url", baseURL, "version", Version)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newHandler mounts the three faces of workspaced on one mux: the OAuth 2.0
// server (/oauth/, /.well-known/), the sign-in pages, and the API (the rest).
func newHandler(ctx context.Context, svc *workspace.Service, baseURL string, log *slog.Logger, apiOpts api.Options) (http.Handler, error) {
	as, err := authserver.New(ctx, authserver.Config{Issuer: baseURL, Service: svc, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("sign-in server: %w (set --base-url to this server's https address, or http://127.0.0.1:PORT for local use)", err)
	}
	mux := http.NewServeMux()
	// The API queues its own work routes and leaves its probes out; these
	// share its turns.
	oauth := api.Admit(apiOpts.Admission, as.Handler())
	mux.Handle("/oauth/", oauth)
	mux.Handle("/.well-known/", oauth)
	pages := api.Admit(apiOpts.Admission, signin.New(signin.Config{Service: svc, Authorizations: as, BaseURL: baseURL, Logger: log, FormKey: as.FormKey()}))
	for _, p := range signin.Paths {
		mux.Handle(p, pages)
	}
	apiOpts.AccessTokens = as
	mux.Handle("/", api.New(svc, apiOpts))
	return mux, nil
}

func newMigrateCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the database schema",
		Long:  "Apply every pending migration to the database, then exit. serve does this at start too.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, closeStore, err := e.openService(cmd.Context())
			if err != nil {
				return err
			}
			closeStore()
			fmt.Fprintln(e.errOut, "database is up to date")
			return nil
		},
	}
}

// loopbackAddr is addr for a browser on this machine: an unspecified
// address (0.0.0.0, ::) is reached as 127.0.0.1.
func loopbackAddr(addr *net.TCPAddr) string {
	if addr.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(addr.Port))
	}
	return addr.String()
}

// admission is the request queue of --max-in-flight and --queue-wait, or
// nil for no limit.
func (o *serveOptions) admission() (*admission.Limiter, error) {
	if o.maxInFlight < 0 {
		return nil, &usageError{msg: "--max-in-flight must be 0 (no limit) or more, e.g. 16"}
	}
	if o.queueWait < 0 {
		return nil, &usageError{msg: "--queue-wait must be 0 or more, e.g. 2s"}
	}
	return admission.New(admission.Config{
		MaxInFlight: o.maxInFlight, MaxQueue: queuePerTurn * o.maxInFlight, MaxWait: o.queueWait,
	}), nil
}

// newMailWorker is the outbox worker --smtp asks for, or nil without it:
// the messages then stay in the outbox for 'workspaced outbox list'.
func newMailWorker(o *serveOptions, st workspace.Store, reg prometheus.Registerer, log *slog.Logger) (*mail.Worker, error) {
	if o.smtp == "" {
		log.Info("no --smtp: invite emails stay in the outbox (workspaced outbox list)")
		return nil, nil
	}
	if o.smtpTimeout <= 0 {
		return nil, &usageError{msg: "--smtp-timeout must be positive, e.g. 30s"}
	}
	opts, err := mail.ParseURL(o.smtp, os.Getenv(mail.PasswordEnv))
	if err != nil {
		return nil, &usageError{msg: err.Error()}
	}
	opts.Timeout = o.smtpTimeout
	w := mail.NewWorker(st, mail.NewSender(opts), mail.WorkerOptions{
		SendTimeout: o.smtpTimeout, Logger: log, Metrics: mail.NewMetrics(reg),
	})
	log.Info("sending invite emails", "smtp", opts.String(), "from", opts.From, "worker", w.Owner())
	return w, nil
}
