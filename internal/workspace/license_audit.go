package workspace

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A license audit is what a CI job asks of the org's licenses ('wsctl
// licenses audit', GET /api/v1/licenses/audit): which pools are fuller than
// allowed, and which licenses are wasted on people who stopped signing in,
// on invites left pending for weeks, or on inactive users (who hold none
// when deactivation did its work, R9). Each rule is here and nowhere else;
// 'licenses show --fail-above' asks this audit for its pool check too.

// FindingKind names what a license audit checks, and so what it found.
type FindingKind string

// The checks of a license audit.
const (
	// FindingPoolAbove: a pool whose used share, (assigned + reserved) /
	// total, is above the limit asked for its product.
	FindingPoolAbove FindingKind = "pool_above"
	// FindingIdleHolder: a license held by an active user whose last
	// sign-in, or creation if they never signed in, is more than the asked
	// number of days ago.
	FindingIdleHolder FindingKind = "idle_holder"
	// FindingStaleInvite: a license reserved by an invite pending for more
	// than the asked number of days (resending keeps an invite pending).
	FindingStaleInvite FindingKind = "stale_invite"
	// FindingInactiveHolder: a license held by an inactive user.
	FindingInactiveHolder FindingKind = "inactive_holder"
)

// FindingKinds lists the checks in the order an audit reports them.
var FindingKinds = []FindingKind{FindingPoolAbove, FindingIdleHolder, FindingStaleInvite, FindingInactiveHolder}

// MaxAuditDays bounds the days of the idle and stale-invite checks: a century.
const MaxAuditDays = 36500

// UsageLimit is the most of a pool that may be used, in percent of its
// total. Product "" is the limit of every product without one of its own.
type UsageLimit struct {
	Product string
	Percent float64
}

// LicenseAuditInput says which checks to run. The day checks run when
// their number of days (from 1 to MaxAuditDays) is given.
type LicenseAuditInput struct {
	MaxUsed         []UsageLimit
	IdleDays        *int
	StaleInviteDays *int
	// InactiveHolders runs the inactive-holder check. wsctl always asks for
	// it; a pool check alone (without it and the day checks) reads no
	// person, so that any member whose token may read licenses may run it.
	InactiveHolders bool
}

// readsPeople is whether the audit reads users or invites, which only
// admins may (R13).
func (in LicenseAuditInput) readsPeople() bool {
	return in.IdleDays != nil || in.StaleInviteDays != nil || in.InactiveHolders
}

// LicenseCheck is one check an audit ran on one product.
type LicenseCheck struct {
	Kind    FindingKind
	Product string
	// Description says what passing means, e.g. "flow at most 80% used".
	Description string
}

// LicenseFinding is one thing an audit found: for a pool, the pool
// (Subject is the product); otherwise one license of Product held or
// reserved by Subject, a user's or an invite's email.
type LicenseFinding struct {
	Kind    FindingKind
	Product string
	Subject string
	Detail  string
}

// LicenseAudit is the outcome of an audit: the checks run, what they found
// (by check, product and subject), and the pools as they stood.
type LicenseAudit struct {
	Checks   []LicenseCheck
	Findings []LicenseFinding
	Pools    []LicensePool
}

// UsedPercent is the pool's used share, (assigned + reserved) / total, in
// percent. An empty pool of 0 is 0% used; one of 0 holding licenses is
// used without bound (+Inf), above any limit.
func (p LicensePool) UsedPercent() float64 {
	if p.Total <= 0 {
		if p.Used() == 0 {
			return 0
		}
		return math.Inf(1)
	}
	return float64(p.Used()) / float64(p.Total) * 100
}

// Above is whether the pool's used share is above percent: the one test of
// "a pool above its limit".
func (p LicensePool) Above(percent float64) bool { return p.UsedPercent() > percent }

// AuditLicenses runs the checks that in asks for over one consistent read
// of the org. The pool check needs the licenses:read scope; reading people (the
// other checks) also needs users:read and the admin role.
func (s *Service) AuditLicenses(ctx context.Context, p Principal, in LicenseAuditInput) (out LicenseAudit, err error) {
	if err := p.requireScope(ScopeLicensesRead); err != nil {
		return out, err
	}
	if in.readsPeople() {
		if err := p.requireAdmin(ScopeUsersRead); err != nil {
			return out, err
		}
	}
	idleDays, err := auditDays("idle_days", in.IdleDays)
	if err != nil {
		return out, err
	}
	staleDays, err := auditDays("stale_invite_days", in.StaleInviteDays)
	if err != nil {
		return out, err
	}
	now := s.clock()
	err = s.store.View(ctx, func(tx Tx) error {
		pools, err := tx.Pools(ctx, p.OrgID, now)
		if err != nil {
			return err
		}
		limits, err := usageLimitsOf(in.MaxUsed, pools)
		if err != nil {
			return err
		}
		a := &licenseAudit{limits: limits, idleDays: idleDays, staleDays: staleDays, inactive: in.InactiveHolders, now: now}
		a.checkPools(pools)
		if err := a.checkHolders(ctx, tx, p.OrgID, pools); err != nil {
			return err
		}
		if err := a.checkInvites(ctx, tx, p.OrgID, pools); err != nil {
			return err
		}
		out = a.result(pools)
		return nil
	})
	return out, err
}

// auditDays checks the days of a check; 0 means the check does not run.
func auditDays(field string, days *int) (int, error) {
	if days == nil {
		return 0, nil
	}
	if *days < 1 || *days > MaxAuditDays {
		return 0, &ValidationError{Field: field, Reason: fmt.Sprintf("is a number of days from 1 to %d, not %d", MaxAuditDays, *days)}
	}
	return *days, nil
}

// usageLimits are the limits of an audit by product; every is the limit
// of the products without one of their own.
type usageLimits struct {
	every *float64
	of    map[string]float64
}

// usageLimitsOf checks the limits against the org's products: a percentage
// from 0 to 100, at most one for every product and one per product.
func usageLimitsOf(limits []UsageLimit, pools []LicensePool) (usageLimits, error) {
	out := usageLimits{of: map[string]float64{}}
	for _, l := range limits {
		if math.IsNaN(l.Percent) || l.Percent < 0 || l.Percent > 100 {
			return out, &ValidationError{Field: "max_used", Reason: fmt.Sprintf("takes a percentage from 0 to 100, not %s", strconv.FormatFloat(l.Percent, 'f', -1, 64))}
		}
		product := strings.ToLower(strings.TrimSpace(l.Product))
		if product == "" {
			if out.every != nil {
				return out, &ValidationError{Field: "max_used", Reason: fmt.Sprintf("gives the limit of every product twice (%s%% and %s%%); give it once, and PRODUCT=PERCENT for a product that differs", formatPercent(*out.every), formatPercent(l.Percent))}
			}
			out.every = &l.Percent
			continue
		}
		if _, ok := findPool(pools, product); !ok {
			known := make([]string, len(pools))
			for i, p := range pools {
				known[i] = p.Product
			}
			return out, &ValidationError{Field: "max_used", Reason: "unknown product " + quote(l.Product) + " (known: " + strings.Join(known, ", ") + ")"}
		}
		if had, ok := out.of[product]; ok {
			return out, &ValidationError{Field: "max_used", Reason: fmt.Sprintf("gives the limit of %s twice (%s%% and %s%%); give it once", product, formatPercent(had), formatPercent(l.Percent))}
		}
		out.of[product] = l.Percent
	}
	return out, nil
}

// limitOf is the limit of product, and whether it has one.
func (l usageLimits) limitOf(product string) (float64, bool) {
	if v, ok := l.of[product]; ok {
		return v, true
	}
	if l.every != nil {
		return *l.every, true
	}
	return 0, false
}

// licenseAudit collects the checks and findings of one audit.
type licenseAudit struct {
	limits    usageLimits
	idleDays  int // 0: no idle check
	staleDays int // 0: no stale-invite check
	inactive  bool
	now       time.Time
	checks    []LicenseCheck
	findings  []LicenseFinding
}

func (a *licenseAudit) check(kind FindingKind, product, description string) {
	a.checks = append(a.checks, LicenseCheck{Kind: kind, Product: product, Description: description})
}

func (a *licenseAudit) found(kind FindingKind, product, subject, detail string) {
	a.findings = append(a.findings, LicenseFinding{Kind: kind, Product: product, Subject: subject, Detail: detail})
}

func (a *licenseAudit) checkPools(pools []LicensePool) {
	for _, pool := range pools {
		limit, ok := a.limits.limitOf(pool.Product)
		if !ok {
			continue
		}
		a.check(FindingPoolAbove, pool.Product, fmt.Sprintf("%s at most %s%% used", pool.Product, formatPercent(limit)))
		if pool.Above(limit) {
			a.found(FindingPoolAbove, pool.Product, pool.Product, poolAboveDetail(pool, limit))
		}
	}
}

func poolAboveDetail(pool LicensePool, limit float64) string {
	if pool.Total <= 0 {
		return fmt.Sprintf("%d in use of a pool of 0 (%d assigned, %d reserved), above %s%%",
			pool.Used(), pool.Assigned, pool.Reserved, formatPercent(limit))
	}
	return fmt.Sprintf("%s%% used (%d of %d: %d assigned, %d reserved), above %s%%",
		formatPercent(pool.UsedPercent()), pool.Used(), pool.Total, pool.Assigned, pool.Reserved, formatPercent(limit))
}

// checkHolders reads the holders of each product, active or not, page by
// page, for the idle and inactive-holder checks.
func (a *licenseAudit) checkHolders(ctx context.Context, tx Tx, orgID string, pools []LicensePool) error {
	if a.idleDays == 0 && !a.inactive {
		return nil
	}
	for _, pool := range pools {
		product := pool.Product
		if a.idleDays > 0 {
			a.check(FindingIdleHolder, product, fmt.Sprintf("every %s holder signed in within %d days", product, a.idleDays))
		}
		if a.inactive {
			a.check(FindingInactiveHolder, product, fmt.Sprintf("no inactive user holds %s", product))
		}
		f := UserFilter{Status: UsersAll, License: product, Limit: MaxPageSize}
		for {
			users, err := tx.ListUsers(ctx, orgID, f)
			if err != nil {
				return err
			}
			for _, u := range users {
				a.checkHolder(u, product)
			}
			if len(users) < f.Limit {
				break
			}
			f.After = normalizeEmail(users[len(users)-1].Email)
		}
	}
	return nil
}

func (a *licenseAudit) checkHolder(u User, product string) {
	if !u.Active {
		if a.inactive {
			a.found(FindingInactiveHolder, product, u.Email, fmt.Sprintf(
				"inactive, yet holds this license (deactivation releases every license; free it with 'wsctl users edit %s --remove-license %s')", u.Email, product))
		}
		return
	}
	if a.idleDays == 0 {
		return
	}
	since, what := u.CreatedAt, "never signed in; added"
	if u.LastSignInAt != nil {
		since, what = *u.LastSignInAt, "last signed in"
	}
	if days, ok := a.olderThan(since, a.idleDays); ok {
		a.found(FindingIdleHolder, product, u.Email, fmt.Sprintf("%s %s, %d days ago (more than %d)",
			what, since.UTC().Format(time.DateOnly), days, a.idleDays))
	}
}

// checkInvites reads the pending invites, page by page, for the
// stale-invite check. Pending ones hold their reservations (R4).
func (a *licenseAudit) checkInvites(ctx context.Context, tx Tx, orgID string, pools []LicensePool) error {
	if a.staleDays == 0 {
		return nil
	}
	for _, pool := range pools {
		a.check(FindingStaleInvite, pool.Product, fmt.Sprintf("no invite holds %s pending for more than %d days", pool.Product, a.staleDays))
	}
	f := InviteFilter{Status: InvitePending, Now: a.now, Limit: MaxPageSize}
	for {
		invites, err := tx.ListInvites(ctx, orgID, f)
		if err != nil {
			return err
		}
		for _, inv := range invites {
			days, ok := a.olderThan(inv.CreatedAt, a.staleDays)
			if !ok || inv.StatusAt(a.now) != InvitePending {
				continue
			}
			for _, product := range inv.Licenses {
				a.found(FindingStaleInvite, product, inv.Email, fmt.Sprintf("invited %s, %d days ago (more than %d), still pending until %s",
					inv.CreatedAt.UTC().Format(time.DateOnly), days, a.staleDays, inv.ExpiresAt.UTC().Format(time.DateOnly)))
			}
		}
		if len(invites) < f.Limit {
			break
		}
		f.After = invites[len(invites)-1].ID
	}
	return nil
}

// olderThan is whether t is more than days ago, and how many whole days ago it is.
func (a *licenseAudit) olderThan(t time.Time, days int) (int, bool) {
	age := a.now.Sub(t)
	return int(age / (24 * time.Hour)), age > time.Duration(days)*24*time.Hour
}

// result orders checks and findings by kind, then product as the pools
// are ordered, then subject.
func (a *licenseAudit) result(pools []LicensePool) LicenseAudit {
	kindAt := func(k FindingKind) int { return slices.Index(FindingKinds, k) }
	productAt := func(product string) int {
		return slices.IndexFunc(pools, func(p LicensePool) bool { return p.Product == product })
	}
	slices.SortStableFunc(a.checks, func(x, y LicenseCheck) int {
		return cmp.Or(cmp.Compare(kindAt(x.Kind), kindAt(y.Kind)), cmp.Compare(productAt(x.Product), productAt(y.Product)))
	})
	slices.SortStableFunc(a.findings, func(x, y LicenseFinding) int {
		return cmp.Or(cmp.Compare(kindAt(x.Kind), kindAt(y.Kind)), cmp.Compare(productAt(x.Product), productAt(y.Product)),
			cmp.Compare(x.Subject, y.Subject))
	})
	return LicenseAudit{Checks: a.checks, Findings: a.findings, Pools: pools}
}

// formatPercent writes a percentage with at most one decimal: 80, 66.7.
func formatPercent(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}
