package workspace

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// MaxInviteBatch bounds the rows of one InviteBatch call (one API request).
const MaxInviteBatch = 1000

// BatchResult is one row's outcome of InviteBatch: Err is the rule the row
// broke (a Coded error, as Invite would return it), or nil and Outcome says
// whether the row was invited or replayed.
type BatchResult struct {
	Outcome InviteOutcome
	Err     error
}

// errBatchConflict: an insert of the batch met a unique constraint, because
// a concurrent writer took an email or key between the batch's checks and
// its inserts (servers sharing one PostgreSQL). The transaction is rolled
// back.
var errBatchConflict = errors.New("invite batch: concurrent conflict")

// InviteBatch invites many people at once, each row with its own outcome
// (R1, R2, R4, R6): a row that breaks a rule fails alone, a row whose
// IdempotencyKey was seen is replayed, and every invite writes its email to
// the outbox and its audit event (R14). Invite is a batch of one: there is
// one path for these rules. With DryRun every row is decided as Apply would
// decide it now, and nothing is kept.
//
// The rows run in one write transaction under the pool lock, so R4 holds
// across them and against any concurrent writer. One transaction for up to
// MaxInviteBatch rows rather than several smaller ones because each commit
// writes every index page it changed, and an invite's random keys (token
// hash, idempotency key) change a page per row: 10,000 rows on SQLite took
// 0.8 s in transactions of 1,000, 1.0 s of 500, 1.0-1.1 s of 200
// (bench/README.md).
// The price is holding the locks for the whole batch: for 1,000 rows on the
// benchmark machine about 60-75 ms on SQLite (its write lock) and 190 ms on
// PostgreSQL (the org's pool rows), measured by BenchmarkInviteBatch in
// both stores; other invites of the org wait that long at most.
//
// When a concurrent writer took an email or key between the checks and the
// inserts, the transaction is rolled back and the rows run one by one, each
// a batch of one decided again until it meets no conflict. The error is for
// the whole call: forbidden (R13), too many rows, or a store failure
// (nothing of the transaction stays; on the one-by-one path the rows done
// before it do, and a retry with the same keys replays them).
//
// pools are the org's license pools as the batch leaves them (for a dry
// run, as it would leave them), counted in its transaction.
func (s *Service) InviteBatch(ctx context.Context, p Principal, ins []InviteInput, mode Mode) (results []BatchResult, pools BatchPools, err error) {
	if err := p.requireAdmin(ScopeUsersWrite); err != nil {
		return nil, pools, err
	}
	if limit := maxRows(mode); len(ins) > limit {
		return nil, pools, &ValidationError{Field: "invites", Reason: fmt.Sprintf("at most %d invites per request, not %d; send them in several requests", limit, len(ins))}
	}
	results = make([]BatchResult, len(ins))
	pools, err = s.inviteInOneTransaction(ctx, p, ins, results, mode)
	switch {
	case !errors.Is(err, errBatchConflict):
	case mode == DryRun:
		// A plan keeps nothing, so it is decided again whole: split into
		// rows, its rows would stop counting against each other.
		for attempt := 1; attempt < maxConflictRetries && errors.Is(err, errBatchConflict); attempt++ {
			pools, err = s.inviteInOneTransaction(ctx, p, ins, results, mode)
		}
	default:
		pools, err = s.inviteOneByOne(ctx, p, ins, results, mode)
	}
	if err != nil {
		return nil, BatchPools{}, err
	}
	return results, pools, nil
}

// BatchPools are an org's license pools as a batch found them, under its
// lock, and as it left them (for a dry run, as it would leave them).
type BatchPools struct {
	Before, After []LicensePool
}

// maxRows bounds the rows of one batch call: a plan may be as large as a
// whole file, since its decisions must see every row before it.
func maxRows(mode Mode) int {
	if mode == DryRun {
		return MaxPlanRows
	}
	return MaxInviteBatch
}

// MaxPlanRows bounds the rows of one dry run (a plan of a whole file).
const MaxPlanRows = 50000

// maxConflictRetries bounds how often one row is decided again after
// meeting a concurrent writer's insert; each retry sees that insert, so the
// second attempt normally settles it.
const maxConflictRetries = 5

// inviteOneByOne runs each row in its own transaction: the slow path of a
// batch that met a concurrent writer.
func (s *Service) inviteOneByOne(ctx context.Context, p Principal, ins []InviteInput, results []BatchResult, mode Mode) (pools BatchPools, err error) {
	var before []LicensePool
	for i := range ins {
		for range maxConflictRetries {
			if pools, err = s.inviteInOneTransaction(ctx, p, ins[i:i+1], results[i:i+1], mode); !errors.Is(err, errBatchConflict) {
				break
			}
		}
		if err != nil {
			return pools, err
		}
		if i == 0 {
			before = pools.Before
		}
	}
	pools.Before = before
	return pools, nil
}

// inviteInOneTransaction decides every row in memory, from a few lookups
// made under the pool lock, then writes the invites, emails and audit
// events, many rows per statement where the store can. results are filled
// anew on every attempt of the transaction.
func (s *Service) inviteInOneTransaction(ctx context.Context, p Principal, ins []InviteInput, results []BatchResult, mode Mode) (out BatchPools, err error) {
	err = s.decide(ctx, p, mode, func(ch *change) error {
		tx, now := ch.tx, ch.now
		var pools []LicensePool
		var err error
		if len(ins) == 1 {
			pools, err = tx.PoolsForInvite(ctx, p.OrgID, ins[0].Licenses, now)
		} else {
			pools, err = tx.LockPools(ctx, p.OrgID, now)
		}
		if err != nil {
			return err
		}
		out.Before = slices.Clone(pools)
		org, err := tx.OrgByID(ctx, p.OrgID)
		if err != nil {
			return err
		}
		c := batch{change: ch, org: org, ledger: licenseLedger(pools)}
		valid := make([]validInvite, len(ins))
		var keys, emails []string
		for i, in := range ins {
			results[i] = BatchResult{}
			if valid[i], results[i].Err = validateInvite(in, pools); results[i].Err != nil {
				continue
			}
			if in.IdempotencyKey != "" {
				keys = append(keys, in.IdempotencyKey)
			}
			emails = append(emails, normalizeEmail(valid[i].email))
		}
		if err := c.load(ctx, keys, emails); err != nil {
			return err
		}
		for i, in := range ins {
			if results[i].Err != nil {
				continue
			}
			if results[i], err = c.invite(ctx, in.IdempotencyKey, valid[i]); err != nil {
				return err
			}
		}
		// The ledger is the pools under the lock plus this batch's claims:
		// the pools as the batch leaves them, with no query to count them.
		out.After = slices.Clone([]LicensePool(c.ledger))
		return c.write(ctx)
	})
	return out, err
}

// batch is the state of one InviteBatch transaction: what the store holds
// for the rows' keys and emails, updated as rows are decided, and the
// writes to make.
type batch struct {
	*change
	org    Org
	ledger licenseLedger

	byKey   map[string]Invite // idempotency key → invite, stored or created in this batch
	users   map[string]bool   // normalized emails of users
	pending map[string]Invite // normalized email → pending invite, stored or created
	created []Invite          // to insert
	emails  []OutboxMessage   // to insert
}

func (c *batch) load(ctx context.Context, keys, emails []string) error {
	c.byKey, c.users, c.pending = map[string]Invite{}, map[string]bool{}, map[string]Invite{}
	if len(keys) > 0 {
		prior, err := c.tx.InvitesByIdempotencyKeys(ctx, c.p.OrgID, keys)
		if err != nil {
			return err
		}
		for _, inv := range prior {
			c.byKey[inv.IdempotencyKey] = inv
		}
	}
	if len(emails) == 0 {
		return nil
	}
	users, err := c.tx.UserEmailsAmong(ctx, c.p.OrgID, emails)
	if err != nil {
		return err
	}
	for _, e := range users {
		c.users[e] = true
	}
	pending, err := c.tx.PendingInvitesByEmails(ctx, c.p.OrgID, emails)
	if err != nil {
		return err
	}
	for _, inv := range pending {
		email := normalizeEmail(inv.Email)
		if old, ok := c.pending[email]; !ok || inv.ID > old.ID { // the newest, as PendingInviteByEmail
			c.pending[email] = inv
		}
	}
	return nil
}

// invite decides one valid row: replay, signup mode (R2), email taken (R1),
// licenses (R4). The error is a store failure; a broken rule is the
// result's Err.
func (c *batch) invite(ctx context.Context, key string, v validInvite) (BatchResult, error) {
	if prior, ok := c.byKey[key]; ok && key != "" {
		if !v.sameAs(prior) {
			return BatchResult{Err: &IdempotencyKeyReusedError{Key: key}}, nil
		}
		prior.Status = prior.StatusAt(c.now)
		return BatchResult{Outcome: InviteOutcome{Invite: prior, Replayed: true}}, nil
	}
	if err := mayInvite(c.org); err != nil {
		return BatchResult{Err: err}, nil
	}
	if err := c.p.mayMakeAdmin(false, slices.Contains(v.roles, RoleAdmin)); err != nil {
		return BatchResult{Err: err}, nil
	}
	email := normalizeEmail(v.email)
	if c.users[email] {
		return BatchResult{Err: &EmailTakenError{Email: v.email, By: "user"}}, nil
	}
	if inv, ok := c.pending[email]; ok {
		if inv.StatusAt(c.now) == InvitePending {
			return BatchResult{Err: &EmailTakenError{Email: v.email, By: "invite"}}, nil
		}
		if err := c.expireInvite(ctx, inv); err != nil {
			return BatchResult{}, err
		}
		delete(c.pending, email)
	}
	notices, err := c.ledger.claim(v.licenses)
	if err != nil {
		return BatchResult{Err: err}, nil
	}
	inv := c.create(key, v)
	c.pending[email] = inv
	if key != "" {
		c.byKey[key] = inv
	}
	return BatchResult{Outcome: InviteOutcome{Invite: inv, Notices: notices}}, nil
}

// create makes the invite of a row that every rule allowed, licenses
// claimed: the invite and its email (R6) are written by write, its audit
// event (R14) with the change.
func (c *batch) create(key string, v validInvite) Invite {
	s, now := c.s, c.now
	token, hash := newSecret("wsi_")
	inv := Invite{
		ID: s.ids.next("inv", now), OrgID: c.p.OrgID, Name: v.name, Email: v.email, Roles: v.roles,
		Licenses: v.licenses, Status: InvitePending, TokenHash: hash, IdempotencyKey: key,
		InvitedBy: c.p.UserID, ExpiresAt: now.Add(InviteTTL), CreatedAt: now, UpdatedAt: now,
	}
	c.created = append(c.created, inv)
	c.emails = append(c.emails, s.inviteEmail(c.org, inv, token, now))
	c.record("invite.created", inv.Email, nil, snapshotInvite(inv))
	return inv
}

func (c *batch) write(ctx context.Context) error {
	if err := c.tx.InsertInvites(ctx, c.created); err != nil {
		var taken *EmailTakenError
		if errors.As(err, &taken) {
			return errBatchConflict
		}
		return err
	}
	return c.tx.InsertOutbox(ctx, c.emails...)
}
