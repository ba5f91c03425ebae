package workspace

// syncChange is one change a roster asks for (an invite, an update, an
// activation, a deactivation, a revocation), with what it gives back to the
// pools, what it takes from them, and what it does to the count of active
// admins. settle decides whether R4 and R9 allow it.
type syncChange struct {
	out      *SyncOutcome // where the change's outcome goes
	row      validInvite  // the row's fields, for a change a row asks for
	user     User         // the user before, for a change of a user
	invite   Invite       // the invite before, for a change of an invite
	releases []string     // licenses it frees
	claims   []string     // licenses it takes
	admins   int          // +1 makes someone an active admin, -1 removes one

	refused error    // set by settle: the rule that refused it
	notices []string // set by settle: R4's notices of its claims
}

// settle decides which changes the license pools (R4) and the last-admin
// rule (R9) allow, setting refused on the others and the notices of the
// claims of the rest. pools are the org's pools counted under the pool
// lock; admins is the count of active admins now (needed only when some
// change removes one).
//
// Licenses are counted for the roster as a whole: whatever the changes
// release goes back to the pools before anything is claimed, so two people
// can swap a license in a full pool; claims are then taken in roster order.
// But a refused change keeps its person as they are, so it releases nothing
// either, and a claim later in the roster may have counted on that release.
// Hence passes: a pass refusing a change that releases licenses — or any
// change the last-admin rule refuses, whose claims that pass already
// counted — withdraws it, and the roster is decided again without it. A
// withdrawn change stays refused (with the reason it got), so every pass
// but the last withdraws at least one more change, and there are at most as
// many passes as changes. The pass that withdraws nothing is the decision:
// every release it counted is made, and the claims it refused (of changes
// that release nothing) were refused against exactly those.
func settle(changes []*syncChange, pools []LicensePool, admins int) {
	for {
		refusals, notices := settlePass(changes, pools, admins)
		withdrew := false
		for i, ch := range changes {
			if refusals[i] != nil && (len(ch.releases) > 0 || refusals[i] == ErrLastAdmin) {
				ch.refused, withdrew = refusals[i], true
			}
		}
		if withdrew {
			continue
		}
		for i, ch := range changes {
			if refusals[i] != nil {
				ch.refused = refusals[i]
			}
			ch.notices = notices[i]
		}
		return
	}
}

// settlePass decides every change not withdrawn yet against the pools
// with every release of those changes made: claims in order (R4), then the
// removals of active admins in order (R9), counting the admins the allowed
// changes add. It returns the refusal and the notices of each change.
func settlePass(changes []*syncChange, pools []LicensePool, admins int) (refusals []error, notices [][]string) {
	refusals, notices = make([]error, len(changes)), make([][]string, len(changes))
	ledger := licenseLedger(append([]LicensePool(nil), pools...))
	for _, ch := range changes {
		if ch.refused == nil {
			ledger.release(ch.releases)
		}
	}
	for i, ch := range changes {
		if ch.refused == nil && len(ch.claims) > 0 {
			notices[i], refusals[i] = ledger.claim(ch.claims)
		}
	}
	allowed := func(i int) bool { return changes[i].refused == nil && refusals[i] == nil }
	for i, ch := range changes {
		if allowed(i) && ch.admins > 0 {
			admins++
		}
	}
	for i, ch := range changes {
		if !allowed(i) || ch.admins >= 0 {
			continue
		}
		if admins <= 1 {
			refusals[i], notices[i] = ErrLastAdmin, nil
			continue
		}
		admins--
	}
	return refusals, notices
}

// release gives one license of each product back to the ledger, as a
// change that frees it will when written. Only the sum of assigned and
// reserved counts here (claims add to Reserved too), so the release is
// taken off Reserved whichever it frees.
func (l licenseLedger) release(products []string) {
	for _, product := range products {
		for i := range l {
			if l[i].Product == product {
				l[i].Reserved--
			}
		}
	}
}
