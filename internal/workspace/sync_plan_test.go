package workspace

import (
	"errors"
	"slices"
	"testing"
)

// pools3 are three pools of 3 with used licenses: flow, agent-dialer, parallel-dialer.
func pools3(flow, agent, parallel int) []LicensePool {
	return []LicensePool{
		{Product: "agent-dialer", Total: 3, Assigned: agent},
		{Product: "flow", Total: 3, Assigned: flow},
		{Product: "parallel-dialer", Total: 3, Assigned: parallel},
	}
}

func refusedCodes(changes []*syncChange) []string {
	out := make([]string, len(changes))
	for i, ch := range changes {
		out[i] = "ok"
		if ch.refused != nil {
			out[i] = CodeOf(ch.refused)
		}
	}
	return out
}

func wantCodes(t *testing.T, changes []*syncChange, want ...string) {
	t.Helper()
	if got := refusedCodes(changes); !slices.Equal(got, want) {
		t.Fatalf("outcomes %v, want %v", got, want)
	}
}

func TestSettle_SwapInFullPool_ReleasesFirst_R4(t *testing.T) {
	takeFlow := &syncChange{releases: []string{"agent-dialer"}, claims: []string{"flow"}}
	giveFlow := &syncChange{releases: []string{"flow"}, claims: []string{"agent-dialer"}}
	changes := []*syncChange{takeFlow, giveFlow} // the claim first, in roster order
	settle(changes, pools3(3, 3, 0), 0)
	wantCodes(t, changes, "ok", "ok")
	if len(takeFlow.notices) != 1 || takeFlow.notices[0] != "that was the last flow license: 3 of 3 in use" {
		t.Errorf("notices %q", takeFlow.notices)
	}
}

func TestSettle_RefusedChangeReleasesNothing_LaterClaimsDecidedAgain_R4(t *testing.T) {
	// ann would give flow for parallel-dialer, which is full: refused, her
	// flow stays hers, and gus, who took it in the first pass, is refused.
	ann := &syncChange{releases: []string{"flow"}, claims: []string{"parallel-dialer"}}
	gus := &syncChange{claims: []string{"flow"}}
	changes := []*syncChange{ann, gus}
	settle(changes, pools3(3, 0, 3), 0)
	wantCodes(t, changes, "license_exhausted", "license_exhausted")
	var ex *LicenseExhaustedError
	if !errors.As(gus.refused, &ex) || ex.Product != "flow" || ex.Used != 3 || ex.Total != 3 {
		t.Errorf("gus refused with %v", gus.refused)
	}
}

func TestSettle_ClaimRefusedInAnEarlierPassIsDecidedAgain_R4(t *testing.T) {
	// First pass: ann's release lets yan take flow and the last agent-dialer
	// license, so zoe finds agent-dialer full. Ann is refused (parallel-dialer
	// is full) and withdrawn; on the next pass yan cannot have flow, takes
	// nothing (all or none), and zoe gets the agent-dialer license.
	ann := &syncChange{releases: []string{"flow"}, claims: []string{"parallel-dialer"}}
	yan := &syncChange{claims: []string{"agent-dialer", "flow"}}
	zoe := &syncChange{claims: []string{"agent-dialer"}}
	changes := []*syncChange{ann, yan, zoe}
	settle(changes, pools3(3, 2, 3), 0)
	wantCodes(t, changes, "license_exhausted", "license_exhausted", "ok")
}

func TestSettle_LastAdminCountsTheAdminsTheRosterAdds_R9(t *testing.T) {
	demoteAda := &syncChange{admins: -1}
	promoteBob := &syncChange{admins: 1}
	changes := []*syncChange{demoteAda, promoteBob}
	settle(changes, pools3(0, 0, 0), 1)
	wantCodes(t, changes, "ok", "ok")

	// But not an admin whose activation the pools refuse.
	deactivateAda := &syncChange{admins: -1, releases: []string{"flow"}}
	activateBob := &syncChange{admins: 1, claims: []string{"agent-dialer"}}
	changes = []*syncChange{deactivateAda, activateBob}
	settle(changes, pools3(1, 3, 0), 1)
	wantCodes(t, changes, "last_admin", "license_exhausted")
}

func TestSettle_PoolNeverExceeded_R4(t *testing.T) {
	var changes []*syncChange
	for range 5 {
		changes = append(changes, &syncChange{claims: []string{"flow"}})
	}
	changes = append(changes, &syncChange{releases: []string{"flow"}})
	settle(changes, pools3(2, 0, 0), 0)
	wantCodes(t, changes, "ok", "ok", "license_exhausted", "license_exhausted", "license_exhausted", "ok")
}
