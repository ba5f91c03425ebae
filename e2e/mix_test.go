package e2e

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/client"
	"github.com/wsctl/wsctl/internal/store"
	"github.com/wsctl/wsctl/internal/testutil/pgtest"
	"github.com/wsctl/wsctl/internal/testutil/sessiontest"
	"github.com/wsctl/wsctl/internal/testutil/smtptest"
	"github.com/wsctl/wsctl/internal/workspace"
)

// The operations of the randomized mix, and the audit action a change by
// each writes (sign-in writes none).
type op string

const (
	opInvite     op = "invite"
	opRevoke     op = "revoke"
	opAccept     op = "accept"
	opEdit       op = "edit"
	opDeactivate op = "deactivate"
	opActivate   op = "activate"
	opMFAReset   op = "mfa-reset"
	opSignIn     op = "sign-in"
	opToken      op = "token"
)

var mixOps = []op{opInvite, opRevoke, opAccept, opEdit, opDeactivate, opActivate, opMFAReset, opSignIn, opToken}

// mixWeights is how often each operation is drawn.
var mixWeights = map[op]int{opInvite: 4, opRevoke: 2, opAccept: 3, opEdit: 4, opDeactivate: 1, opActivate: 3, opMFAReset: 1, opSignIn: 2, opToken: 1}

var auditActionOf = map[op]string{
	opInvite: "invite.created", opRevoke: "invite.revoked", opAccept: "invite.accepted", opEdit: "user.edited",
	opDeactivate: "user.deactivated", opActivate: "user.activated", opMFAReset: "user.mfa_reset", opToken: "token.created",
}

var mixProducts = []string{"parallel-dialer", "agent-dialer", "flow"}

// Sixteen clients split between two workspaced processes on one PostgreSQL
// database run a seeded random mix of invites, revocations, sign-ups from
// the emailed links, edits (licenses, name), deactivations, activations,
// MFA resets, sign-ins and API tokens issued by the operator, over pools
// small enough that licenses run out (the seed fixes each client's choices;
// how they interleave is the machine's). Then the database, read directly,
// must hold: no pool over its total; reserved equal to the pending invites'
// licenses and assigned to the users' licenses, as counted from the rows and
// as the API reports them; exactly one audit event per change that
// succeeded, per action (R14); and no deactivated user with a license, a
// live API token or a live session (R9) (issue 12, part 4).
func TestTwoServers_RandomMix_InvariantsHold(t *testing.T) {
	db := pgtest.NewDatabase(t)
	peer := smtptest.Start(t, smtptest.Options{})
	a := startServerOn(t, db, "--rate-limit", "0", "--smtp", peer.URL())
	b := startServerOn(t, db, "--rate-limit", "0", "--smtp", peer.URL())
	admin := a.invitingOrg("acme")
	for p, total := range map[string]string{"parallel-dialer": "8", "agent-dialer": "8", "flow": "12"} {
		must(t, a.operator("org", "set-licenses", "--org", "acme", "--product", p, "--total", total), 0, "set-licenses")
	}
	seed := testSeed(t, "WSCTL_MIX_SEED")
	ctx := context.Background()

	// The test's own service on the database stands in for the sign-in pages
	// (a browser session bound to a user) and the operator (users added
	// directly, API tokens issued), with the servers' own code.
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := workspace.NewService(st)
	org, err := svc.OrgBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	m := &mix{ids: map[string]string{}, links: map[string]string{}, peer: peer}
	for i := range 10 {
		email := fmt.Sprintf("seed%02d@acme.example", i)
		out, err := svc.AddUser(ctx, workspace.Operator(org.ID), workspace.InviteInput{Name: "Seed User", Email: email,
			Roles: []string{"user"}, Licenses: []string{mixProducts[i%3]}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.IssueToken(ctx, workspace.Operator(org.ID), email, "seed", []string{"users:read"}); err != nil {
			t.Fatal(err)
		}
		if _, err := sessiontest.Start(svc, org.ID, out.Value.ID); err != nil {
			t.Fatal(err)
		}
		m.addUser(email, out.Value.ID)
	}
	conn := openDB(t, db)
	before := auditCounts(t, conn)

	clients := []*client.Client{client.New(a.url, admin, http.DefaultClient), client.New(b.url, admin, http.DefaultClient)}
	const workers, opsPerWorker = 16, 150
	deadline := time.Now().Add(30 * time.Second) // a bound on the run, not a measure
	tally := newTally()
	started := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		rng := rand.New(rand.NewPCG(seed, uint64(w)))
		c := clients[w%2]
		wg.Go(func() {
			for i := 0; i < opsPerWorker && time.Now().Before(deadline); i++ {
				kind := m.draw(rng)
				res := m.do(ctx, kind, rng, c, w, i, svc, org.ID)
				tally.add(kind, res)
				if res.err != nil {
					t.Errorf("%s: %v", kind, res.err)
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(started)

	// The pools, counted from the rows.
	type pool struct{ total, assigned, reserved int }
	counted := map[string]pool{}
	for _, r := range queryRows(t, conn, `SELECT p.product, p.total,
  (SELECT COUNT(*) FROM user_licenses ul JOIN users u ON u.id = ul.user_id WHERE ul.org_id = p.org_id AND ul.product = p.product),
  (SELECT COUNT(*) FROM invite_licenses il JOIN invites i ON i.id = il.invite_id
     WHERE il.org_id = p.org_id AND il.product = p.product AND i.status = 'pending')
FROM license_pools p`) {
		var product string
		var p pool
		if _, err := fmt.Sscan(r, &product, &p.total, &p.assigned, &p.reserved); err != nil {
			t.Fatal(err)
		}
		counted[product] = p
		if p.assigned+p.reserved > p.total {
			t.Errorf("R4: pool %s over its total: %+v", product, p)
		}
	}
	pools, err := clients[1].Licenses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pools {
		c := counted[p.Product]
		if p.Total != c.total || p.Assigned != c.assigned || p.Reserved != c.reserved || p.Available != c.total-c.assigned-c.reserved {
			t.Errorf("pool %s: the API says %+v; the rows hold %d assigned (users' licenses) and %d reserved (pending invites' licenses) of %d",
				p.Product, p, c.assigned, c.reserved, c.total)
		}
	}

	// One audit event per change, per action.
	after := auditCounts(t, conn)
	for _, k := range mixOps {
		action, ok := auditActionOf[k]
		if !ok {
			continue
		}
		if got, want := after[action]-before[action], tally.changed[k]; got != want {
			t.Errorf("R14: %d %s events for %d changes by %s", got, action, want, k)
		}
	}
	if got := queryRows(t, conn, `SELECT target, COUNT(*) FROM audit_events WHERE action = 'invite.created' GROUP BY target HAVING COUNT(*) <> 1`); len(got) > 0 {
		t.Errorf("R14: people with more than one invite.created event: %v", first(got, 5))
	}

	// Deactivated users hold nothing (R9).
	for what, q := range map[string]string{
		"a license":        `SELECT u.email, ul.product FROM users u JOIN user_licenses ul ON ul.user_id = u.id WHERE u.active = 0`,
		"a live API token": `SELECT u.email, t.id FROM users u JOIN api_tokens t ON t.user_id = u.id WHERE u.active = 0 AND t.revoked_at IS NULL`,
		"a live session":   `SELECT u.email, s.created_at FROM users u JOIN browser_sessions s ON s.user_id = u.id WHERE u.active = 0 AND s.ended_at IS NULL`,
		"a live OAuth token": `SELECT u.email, o.family_id FROM users u JOIN oauth_refresh_tokens o ON o.user_id = u.id WHERE u.active = 0 AND o.revoked_at IS NULL
		                       UNION ALL SELECT u.email, o.family_id FROM users u JOIN oauth_access_tokens o ON o.user_id = u.id WHERE u.active = 0 AND o.revoked_at IS NULL`,
	} {
		if got := queryRows(t, conn, q); len(got) > 0 {
			t.Errorf("R9: %d deactivated users' rows hold %s: %v", len(got), what, first(got, 5))
		}
	}
	checkIntegrity(t, db)

	inactive := queryInt(t, conn, `SELECT COUNT(*) FROM users WHERE active = 0`)
	liveSessions := queryInt(t, conn, `SELECT COUNT(*) FROM browser_sessions WHERE ended_at IS NULL AND user_id IS NOT NULL`)
	t.Logf("%d clients on two servers (seed %d), in %v: %s", workers, seed, took.Round(time.Millisecond), tally)
	t.Logf("at the end: pools %v; %d users (%d inactive), %d live sessions; %d invite emails delivered", counted,
		queryInt(t, conn, `SELECT COUNT(*) FROM users`), inactive, liveSessions, len(peer.Messages()))
	for _, k := range []op{opInvite, opRevoke, opAccept, opEdit, opDeactivate, opActivate, opMFAReset, opSignIn, opToken} {
		if tally.changed[k] == 0 {
			t.Errorf("no %s succeeded: the mix did not exercise it", k)
		}
	}
	if tally.refused[opInvite][schema.CodeLicenseExhausted]+tally.refused[opActivate][schema.CodeLicenseExhausted]+tally.refused[opEdit][schema.CodeLicenseExhausted] == 0 {
		t.Error("no license ran out: the pools did not constrain the mix")
	}
}

// mix is the shared state of the clients: who exists, and the signup links
// the SMTP peer received.
type mix struct {
	peer *smtptest.Server

	mu      sync.Mutex
	invited []string          // emails invited, in any state
	users   []string          // emails of users
	ids     map[string]string // user id by email
	links   map[string]string // signup token by email
	read    int               // messages of peer read into links
}

func (m *mix) addUser(email, id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.users = append(m.users, email)
	m.ids[email] = id
}

func (m *mix) draw(rng *rand.Rand) op {
	total := 0
	for _, k := range mixOps {
		total += mixWeights[k]
	}
	n := rng.IntN(total)
	for _, k := range mixOps {
		if n -= mixWeights[k]; n < 0 {
			return k
		}
	}
	panic("unreachable")
}

// pick is a random element of list under m.mu, "" if none.
func (m *mix) pick(rng *rand.Rand, list func() []string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := list()
	if len(l) == 0 {
		return ""
	}
	return l[rng.IntN(len(l))]
}

// linkFor is the signup token emailed to one of the invited, picked at
// random among those whose email arrived.
func (m *mix) linkFor(rng *rand.Rand) (email, token string, err error) {
	msgs := m.peer.Messages()
	m.mu.Lock()
	defer m.mu.Unlock()
	for ; m.read < len(msgs); m.read++ {
		text, _, err := smtptest.Parts(msgs[m.read].Data)
		if err != nil {
			return "", "", fmt.Errorf("invite email: %w", err)
		}
		u, err := url.Parse(smtptest.SignupLink(text))
		if err != nil || u.Query().Get("token") == "" {
			return "", "", fmt.Errorf("no signup link in the invite email: %q", text)
		}
		m.links[msgs[m.read].To[0]] = u.Query().Get("token")
	}
	if len(m.links) == 0 {
		return "", "", nil
	}
	emails := make([]string, 0, len(m.links))
	for e := range m.links {
		emails = append(emails, e)
	}
	sort.Strings(emails)
	email = emails[rng.IntN(len(emails))]
	return email, m.links[email], nil
}

// mixResult is what one operation did: changed, unchanged (a no-op the server
// says it was), refused with a code the rules allow, skipped (nothing to
// act on yet), or failed unexpectedly (err).
type mixResult struct {
	changed, unchanged, skipped bool
	refused                     string
	err                         error
}

// outcome sorts an API answer: success (changed unless the server says
// "unchanged"), an allowed refusal, or an unexpected error.
func outcome(err error, unchanged string, allowed ...string) mixResult {
	if err == nil {
		return mixResult{changed: unchanged == "", unchanged: unchanged != ""}
	}
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && slices.Contains(allowed, apiErr.Code()) {
		return mixResult{refused: apiErr.Code()}
	}
	return mixResult{err: err}
}

func (m *mix) do(ctx context.Context, kind op, rng *rand.Rand, c *client.Client, w, i int, svc *workspace.Service, orgID string) mixResult {
	anyUser := func() []string { return m.users }
	switch kind {
	case opInvite:
		email := fmt.Sprintf("w%02d-%03d@acme.example", w, i)
		licenses := []string{mixProducts[rng.IntN(3)]}
		if rng.IntN(3) == 0 {
			licenses = append(licenses, mixProducts[rng.IntN(3)])
		}
		_, _, err := c.Invite(ctx, schema.InviteRequest{Name: "Mix Person", Email: email, Roles: []string{"user"}, Licenses: licenses}, "")
		res := outcome(err, "", schema.CodeLicenseExhausted)
		if res.changed {
			m.mu.Lock()
			m.invited = append(m.invited, email)
			m.mu.Unlock()
		}
		return res
	case opRevoke:
		email := m.pick(rng, func() []string { return m.invited })
		if email == "" {
			return mixResult{skipped: true}
		}
		_, err := c.RevokeInvite(ctx, email)
		// Accepted or revoked already: no pending invite of that email.
		return outcome(err, "", schema.CodeInviteNotPending, schema.CodeNotFound)
	case opAccept:
		email, token, err := m.linkFor(rng)
		if err != nil || email == "" {
			return mixResult{skipped: err == nil, err: err}
		}
		u, err := c.AcceptInvite(ctx, schema.AcceptInviteRequest{Token: token, Name: "Mix Person", Email: email})
		res := outcome(err, "", schema.CodeInviteInvalid) // revoked, or accepted already
		if res.changed || res.refused != "" {
			m.mu.Lock()
			delete(m.links, email) // used up: the next accepts try other links
			m.mu.Unlock()
		}
		if res.changed {
			m.addUser(email, u.ID)
		}
		return res
	case opEdit:
		email := m.pick(rng, anyUser)
		u, etag, err := c.GetUser(ctx, email)
		if err != nil {
			return mixResult{err: err}
		}
		var e schema.UserEdit
		switch r := rng.IntN(3); {
		case r == 0 && len(u.Licenses) > 0:
			e.RemoveLicenses = []string{u.Licenses[rng.IntN(len(u.Licenses))]}
		case r == 1:
			e.AddLicenses = []string{mixProducts[rng.IntN(3)]}
		default:
			name := []string{"Mix Person", "Renamed Person", "Other Name"}[rng.IntN(3)]
			e.Name = &name
		}
		after, _, err := c.EditUser(ctx, email, etag, e)
		// A concurrent change (412), no license left, or a license for an
		// inactive user (who gets licenses by activation only).
		return outcome(err, after.Unchanged, schema.CodeEditConflict, schema.CodeLicenseExhausted, schema.CodeInvalidField)
	case opDeactivate:
		after, err := c.Deactivate(ctx, m.pick(rng, anyUser))
		return outcome(err, after.Unchanged)
	case opActivate:
		after, err := c.Activate(ctx, m.pick(rng, anyUser), []string{mixProducts[rng.IntN(3)]})
		return outcome(err, after.Unchanged, schema.CodeAlreadyActive, schema.CodeLicenseExhausted)
	case opMFAReset:
		after, err := c.ResetMFA(ctx, m.pick(rng, anyUser))
		return outcome(err, after.Unchanged)
	case opSignIn:
		email := m.pick(rng, anyUser)
		m.mu.Lock()
		id := m.ids[email]
		m.mu.Unlock()
		_, err := sessiontest.Start(svc, orgID, id)
		if errors.Is(err, workspace.ErrUserDeactivated) {
			return mixResult{refused: "user_deactivated"}
		}
		return outcome(err, "")
	case opToken:
		_, _, err := svc.IssueToken(ctx, workspace.Operator(orgID), m.pick(rng, anyUser), "mix", []string{"users:read"})
		if code := workspace.CodeOf(err); code == schema.CodeInvalidField { // a deactivated user holds no token
			return mixResult{refused: code}
		}
		return outcome(err, "")
	}
	panic("unknown operation " + string(kind))
}

// tally counts what the operations did, per kind.
type tally struct {
	mu                                     sync.Mutex
	attempted, changed, unchanged, skipped map[op]int
	refused                                map[op]map[string]int
}

func newTally() *tally {
	return &tally{attempted: map[op]int{}, changed: map[op]int{}, unchanged: map[op]int{}, skipped: map[op]int{}, refused: map[op]map[string]int{}}
}

func (t *tally) add(kind op, r mixResult) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r.skipped {
		t.skipped[kind]++
		return
	}
	t.attempted[kind]++
	switch {
	case r.changed:
		t.changed[kind]++
	case r.unchanged:
		t.unchanged[kind]++
	case r.refused != "":
		if t.refused[kind] == nil {
			t.refused[kind] = map[string]int{}
		}
		t.refused[kind][r.refused]++
	}
}

// String is one line per kind: "invite: 250 attempted, 180 succeeded, 70
// refused (license_exhausted 70)".
func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b strings.Builder
	total := 0
	for _, k := range mixOps {
		total += t.attempted[k]
	}
	fmt.Fprintf(&b, "%d operations:", total)
	for _, k := range mixOps {
		fmt.Fprintf(&b, "\n  %s: %d attempted, %d succeeded", k, t.attempted[k], t.changed[k])
		if n := t.unchanged[k]; n > 0 {
			fmt.Fprintf(&b, ", %d no-op", n)
		}
		refused, codes := 0, []string{}
		for code, n := range t.refused[k] {
			refused += n
			codes = append(codes, fmt.Sprintf("%s %d", code, n))
		}
		sort.Strings(codes)
		fmt.Fprintf(&b, ", %d refused", refused)
		if len(codes) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(codes, ", "))
		}
		if n := t.skipped[k]; n > 0 {
			fmt.Fprintf(&b, "; %d skipped, nothing to act on yet", n)
		}
	}
	return b.String()
}

// auditCounts counts the audit events by action.
func auditCounts(t *testing.T, conn *sql.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, r := range queryRows(t, conn, `SELECT action, COUNT(*) FROM audit_events GROUP BY action`) {
		var action string
		var n int
		if _, err := fmt.Sscan(r, &action, &n); err != nil {
			t.Fatal(err)
		}
		out[action] = n
	}
	return out
}
