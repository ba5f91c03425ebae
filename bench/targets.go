package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// The load cases: what each request of a case is.
const (
	caseInvite   = "invite"   // POST /api/v1/invites, a new email each time
	caseEdit     = "edit"     // PATCH /api/v1/users/{user}, renaming it
	caseLicenses = "licenses" // GET /api/v1/licenses
	caseUsers    = "users"    // GET /api/v1/users?limit=50
	caseMix      = "mix"      // mixOrder, over and over
)

var loadCases = []string{caseInvite, caseEdit, caseLicenses, caseUsers, caseMix}

// mixOrder is the mix case: an admin's day, mostly reads, a quarter writes.
var mixOrder = []string{caseInvite, caseLicenses, caseUsers, caseEdit, caseLicenses, caseUsers, caseLicenses, caseUsers}

// targets makes the requests of one case, spread over the orgs and the
// servers round-robin: request i goes to org i mod orgs, and each org's
// requests take the servers in turn, so that every org reaches every
// server. vegeta's workers call target at once, hence the atomics.
type targets struct {
	ctx     context.Context
	kind    string
	orgs    []*loadOrg
	servers []string // API URLs
	invites *atomic.Uint64
	next    atomic.Uint64
	leased  sync.Map // user ID → *editable, for the edits in flight
}

func (t *targets) target(tgt *vegeta.Target) error {
	i := t.next.Add(1) - 1
	orgs, servers := uint64(len(t.orgs)), uint64(len(t.servers))
	o := t.orgs[i%orgs]
	base := t.servers[(i/orgs)%servers]
	kind := t.kind
	if kind == caseMix {
		// The kind turns once per round of orgs and servers, so that each
		// kind reaches every org on every server.
		kind = mixOrder[(i/(orgs*servers))%uint64(len(mixOrder))]
	}
	tgt.Header = http.Header{"Authorization": {"Bearer " + o.token}}
	switch kind {
	case caseInvite:
		n := t.invites.Add(1)
		body, err := json.Marshal(schema.InviteRequest{Name: "Person Number", Email: fmt.Sprintf("load%d@%s.example", n, o.slug),
			Roles: []string{"user"}, Licenses: []string{"flow"}})
		if err != nil {
			return err
		}
		tgt.Method, tgt.URL, tgt.Body = http.MethodPost, base+"/api/v1/invites", body
		tgt.Header.Set("Content-Type", "application/json")
		// As wsctl sends one: the server records it with the invite.
		tgt.Header.Set(schema.HeaderIdempotencyKey, fmt.Sprintf("bench-%s-%d", o.slug, n))
	case caseEdit:
		var u *editable
		select {
		case u = <-o.users:
		case <-t.ctx.Done():
			return t.ctx.Err()
		}
		t.leased.Store(u.id, u)
		name := memberName(u.version + 1) // a new name, so that the edit changes the user
		body, err := json.Marshal(schema.UserEdit{Name: &name})
		if err != nil {
			return err
		}
		tgt.Method, tgt.URL, tgt.Body = http.MethodPatch, base+"/api/v1/users/"+u.id, body
		tgt.Header.Set("Content-Type", "application/json")
		tgt.Header.Set("If-Match", strconv.Quote(strconv.Itoa(u.version)))
	case caseLicenses:
		tgt.Method, tgt.URL = http.MethodGet, base+"/api/v1/licenses"
	case caseUsers:
		tgt.Method, tgt.URL = http.MethodGet, base+"/api/v1/users?limit=50"
	}
	return nil
}

// settle puts the user of an edit back for the next one, with the version
// its answer gave (the ETag). When the edit failed the version is read
// again, so that one failure does not turn every later edit of that user
// into a 412.
func (t *targets) settle(res *vegeta.Result) {
	if res.Method != http.MethodPatch {
		return
	}
	_, id, _ := strings.Cut(res.URL, "/api/v1/users/")
	v, ok := t.leased.LoadAndDelete(id)
	if !ok {
		return
	}
	u := v.(*editable)
	if n, err := strconv.Atoi(strings.Trim(res.Headers.Get("ETag"), `"`)); err == nil && res.Code/100 == 2 {
		u.version = n
	} else if n, err := readVersion(t.ctx, res.URL, u.org.token); err == nil {
		u.version = n
	}
	u.org.users <- u
}

// readVersion is a user's current version, from GET's ETag.
func readVersion(ctx context.Context, url, token string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return strconv.Atoi(strings.Trim(resp.Header.Get("ETag"), `"`))
}
