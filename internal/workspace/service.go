package workspace

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Service applies the rules of SPEC.md over a Store.
type Service struct {
	store   Store
	now     func() time.Time
	baseURL string
	ids     *idGen
}

// Option configures a Service.
type Option func(*Service)

// WithClock replaces time.Now, for tests of expiry.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithBaseURL sets the public address used in signup links.
func WithBaseURL(u string) Option { return func(s *Service) { s.baseURL = strings.TrimRight(u, "/") } }

// NewService returns a Service over store.
func NewService(store Store, opts ...Option) *Service {
	s := &Service{store: store, now: time.Now, baseURL: "http://127.0.0.1:8080", ids: &idGen{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// BaseURL is the server's public address, without a trailing slash.
func (s *Service) BaseURL() string { return s.baseURL }

// Store returns the service's store, for readiness checks.
func (s *Service) Store() Store { return s.store }

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// idGen makes prefixed ids that sort by creation: 48 bits of milliseconds,
// then 32 random bits. Within one process the ids grow strictly (the
// random part counts up when the clock stands still, as in ULID's
// monotonic mode), so lists ordered by id follow the order of changes.
type idGen struct {
	mu   sync.Mutex
	last [10]byte
}

func (g *idGen) next(prefix string, at time.Time) string {
	var b [10]byte
	ms := uint64(at.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	_, _ = rand.Read(b[6:])
	g.mu.Lock()
	if bytes.Compare(b[:], g.last[:]) <= 0 {
		b = g.last
		for i := 9; i >= 0; i-- { // add one
			b[i]++
			if b[i] != 0 {
				break
			}
		}
	}
	g.last = b
	g.mu.Unlock()
	return prefix + "_" + idEncoding.EncodeToString(b[:])
}

// audit builds the event of a change made by p. before and after are
// marshalled to JSON; nil stays nil.
func (s *Service) audit(p Principal, orgID, action, target string, before, after any, at time.Time) AuditEvent {
	return AuditEvent{
		ID: s.ids.next("evt", at), OrgID: orgID, At: at, Actor: p.actor(), Action: action,
		Target: target, Before: marshalAudit(before), After: marshalAudit(after), RequestID: p.RequestID,
	}
}

func marshalAudit(v any) []byte {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("audit: %v", err)) // only our own plain structs are passed
	}
	return b
}

// userSnapshot is what audit events record of a user.
type userSnapshot struct {
	Name          string   `json:"name"`
	Email         string   `json:"email"`
	Roles         []Role   `json:"roles"`
	Licenses      []string `json:"licenses"`
	Active        bool     `json:"active"`
	CallRecording bool     `json:"call_recording"`
	MFAEnrolled   bool     `json:"mfa_enrolled"`
	// Only for people an identity provider manages (SCIM).
	ExternalID    string `json:"external_id,omitempty"`
	GivenName     string `json:"given_name,omitempty"`
	FamilyName    string `json:"family_name,omitempty"`
	Deprovisioned bool   `json:"deprovisioned,omitempty"`
}

func snapshotUser(u User) userSnapshot {
	return userSnapshot{Name: u.Name, Email: u.Email, Roles: u.Roles, Licenses: nonNil(u.Licenses),
		Active: u.Active, CallRecording: u.CallRecording, MFAEnrolled: u.MFAEnrolled,
		ExternalID: u.ExternalID, GivenName: u.GivenName, FamilyName: u.FamilyName, Deprovisioned: u.DeprovisionedAt != nil}
}

type inviteSnapshot struct {
	Name      string       `json:"name"`
	Email     string       `json:"email"`
	Roles     []Role       `json:"roles"`
	Licenses  []string     `json:"licenses"`
	Status    InviteStatus `json:"status"`
	ExpiresAt time.Time    `json:"expires_at"`
}

func snapshotInvite(i Invite) inviteSnapshot {
	return inviteSnapshot{Name: i.Name, Email: i.Email, Roles: i.Roles, Licenses: nonNil(i.Licenses), Status: i.Status, ExpiresAt: i.ExpiresAt}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// claimLicenses checks R4 for taking one license of each product, under the
// pool lock of the current transaction, and returns the notices for pools
// that this claim fills.
func claimLicenses(ctx context.Context, tx Tx, orgID string, products []string, now time.Time) ([]string, error) {
	if len(products) == 0 {
		return nil, nil
	}
	pools, err := tx.LockPools(ctx, orgID, now)
	if err != nil {
		return nil, err
	}
	return licenseLedger(pools).claim(products)
}

// licenseLedger is an org's pools as counted under the pool lock of a write
// transaction, kept current as claims are made: several claims in one
// transaction (a batch of invites) obey R4 together.
type licenseLedger []LicensePool

// claim takes one license of each product, all or none, and returns the
// notices for pools that this claim fills (R4).
func (l licenseLedger) claim(products []string) ([]string, error) {
	var notices []string
	for _, product := range products {
		pool, ok := findPool(l, product)
		if !ok {
			return nil, &ValidationError{Field: "licenses", Reason: "unknown product " + quote(product)}
		}
		if pool.Available() < 1 {
			return nil, &LicenseExhaustedError{Product: product, Used: pool.Used(), Total: pool.Total}
		}
		if pool.Available() == 1 {
			notices = append(notices, fmt.Sprintf("that was the last %s license: %d of %d in use", product, pool.Total, pool.Total))
		}
	}
	for _, product := range products {
		for i := range l {
			if l[i].Product == product {
				l[i].Reserved++
			}
		}
	}
	return notices, nil
}

func findPool(pools []LicensePool, product string) (LicensePool, bool) {
	for _, p := range pools {
		if p.Product == product {
			return p, true
		}
	}
	return LicensePool{}, false
}

// userByRef finds a user by id or, when ref holds an @, by email.
func userByRef(ctx context.Context, tx Tx, orgID, ref string) (User, error) {
	ref = strings.TrimSpace(ref)
	if strings.Contains(ref, "@") {
		return tx.UserByEmail(ctx, orgID, normalizeEmail(ref))
	}
	return tx.UserByID(ctx, orgID, ref)
}
