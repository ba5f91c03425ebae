package invite

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/bulk"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/users/shared"
	"github.com/wsctl/wsctl/internal/client"
)

// CSVHeader is the header an invite file must have (columns in any order).
const CSVHeader = shared.InviteColumns

// inviteVerb is 'users invite --csv': a row per invite, sent to POST
// /invites/batch.
func inviteVerb() bulk.Verb[schema.InviteBatchItem] {
	return bulk.Verb[schema.InviteBatchItem]{
		Name:    "users invite",
		Doing:   "Inviting",
		Columns: bulk.Columns{Required: strings.Split(CSVHeader, ","), Key: "email"},
		Statuses: []bulk.Status{
			{Name: schema.BatchInvited, Action: "invite"},
			{Name: schema.BatchReplayed, Summary: "already invited", Row: "already invited by an earlier run"},
		},
		Object:  "invite",
		Item:    inviteItem,
		Send:    sendInvites,
		Preview: previewInvites,
	}
}

// inviteItem is a row's invite: several roles or licenses in a cell are
// separated by ';' or '|'.
func inviteItem(rec bulk.Record) bulk.Item[schema.InviteBatchItem] {
	req := schema.InviteRequest{
		Name:     rec.Get("name"),
		Email:    rec.Get("email"),
		Roles:    cmdutil.SplitList([]string{rec.Get("roles")}),
		Licenses: cmdutil.SplitList([]string{rec.Get("licenses")}),
	}
	key := rowKey(req)
	return bulk.Item[schema.InviteBatchItem]{Key: key, Email: req.Email,
		Request: schema.InviteBatchItem{InviteRequest: req, IdempotencyKey: key}}
}

// sendInvites sends a batch. Sign-up mode on refuses every invite, so it
// stops the run.
func sendInvites(ctx context.Context, c *client.Client, items []schema.InviteBatchItem) ([]bulk.Result, error) {
	results, err := c.InviteBatch(ctx, items)
	if err != nil {
		var apiErr *client.APIError
		if errors.As(err, &apiErr) && apiErr.Code() == schema.CodeSignupModeOn {
			return nil, bulk.StopRun(err)
		}
		return nil, err
	}
	out := make([]bulk.Result, len(results))
	for i, r := range results {
		out[i] = inviteResult(r)
	}
	return out, nil
}

func inviteResult(r schema.InviteBatchResult) bulk.Result {
	switch r.Status {
	case schema.BatchInvited, schema.BatchReplayed:
		res := bulk.Result{Kind: bulk.Done, Status: r.Status}
		if r.Invite != nil {
			res.Object, res.Notices = r.Invite, r.Invite.Notices
			if r.Status == schema.BatchReplayed {
				res.Detail = inviteNow(r.Invite)
			}
		}
		return res
	}
	res := bulk.Result{Kind: bulk.Failed, Error: "the server gave no reason"}
	if p := r.Error; p != nil {
		res.Error = p.Detail
		if p.Status < 500 {
			res.Kind = bulk.Refused
		}
		if p.Code == schema.CodeSignupModeOn {
			res.Stop = &client.APIError{Status: p.Status, Problem: *p}
		}
	}
	return res
}

// inviteNow tells what became of a replayed invite, when it is no longer
// pending: "the invite was accepted since" (or revoked, or expired).
func inviteNow(inv *schema.Invite) string {
	if inv.Status == "" || inv.Status == "pending" {
		return ""
	}
	return fmt.Sprintf("the invite was %s since", inv.Status)
}

// previewInvites asks the server to decide the whole file and keep
// nothing. The plan gains the license pools the file asks for (needed:
// licenses the rows to invite ask for, refused ones included; granted:
// those they would get), as the server counted them before the file and,
// in available_after, as it would leave them.
func previewInvites(ctx context.Context, c *client.Client, items []schema.InviteBatchItem) (bulk.Preview, error) {
	out, err := c.SendInviteBatch(ctx, schema.InviteBatchRequest{Invites: items, DryRun: true})
	if err != nil {
		return bulk.Preview{}, err
	}
	if !out.DryRun {
		return bulk.Preview{}, errors.New("the server did not answer as a dry run: it may have invited the rows; see 'wsctl invites list'")
	}
	prev := bulk.Preview{Results: make([]bulk.Result, len(out.Results))}
	needed, granted := map[string]int{}, map[string]int{}
	for i, r := range out.Results {
		prev.Results[i] = inviteResult(r)
		wantsLicenses := r.Status == schema.BatchInvited || (r.Error != nil && r.Error.Code == schema.CodeLicenseExhausted)
		for _, p := range shared.NormalizeSet(items[i].Licenses) {
			if wantsLicenses {
				needed[p]++
			}
			if r.Status == schema.BatchInvited {
				granted[p]++
			}
		}
	}
	after := map[string]schema.LicensePool{}
	for _, pool := range out.Licenses {
		after[pool.Product] = pool
	}
	licenses := []PlanLicense{}
	for _, pool := range out.LicensesBefore { // the server's counts, before and after
		if needed[pool.Product] == 0 {
			continue
		}
		licenses = append(licenses, PlanLicense{Product: pool.Product, Total: pool.Total, Assigned: pool.Assigned,
			Reserved: pool.Reserved, Available: pool.Available, Needed: needed[pool.Product], Granted: granted[pool.Product],
			AvailableAfter: after[pool.Product].Available})
	}
	prev.Fields = map[string]any{"licenses": licenses}
	prev.Notes = licenseNotes(licenses)
	return prev, nil
}

// PlanLicense is a product's licenses in a dry run's plan: the pool before
// the file (available = total - assigned - reserved), the licenses its rows
// need and would be granted, and what would be left.
type PlanLicense struct {
	Product        string `json:"product"`
	Total          int    `json:"total"`
	Assigned       int    `json:"assigned"`
	Reserved       int    `json:"reserved"`
	Available      int    `json:"available"`
	Needed         int    `json:"needed"`
	Granted        int    `json:"granted"`
	AvailableAfter int    `json:"available_after"`
}

func licenseNotes(licenses []PlanLicense) []string {
	if len(licenses) == 0 {
		return nil
	}
	notes := []string{"Licenses needed (available = total - assigned - reserved):"}
	for _, l := range licenses {
		n := fmt.Sprintf("  %s: %d needed, %d available (%d total, %d assigned, %d reserved)", l.Product, l.Needed, l.Available, l.Total, l.Assigned, l.Reserved)
		if l.Needed > l.Available {
			n += fmt.Sprintf(": %d short", l.Needed-l.Available)
		}
		notes = append(notes, n)
	}
	return notes
}

// rowKeyVersion starts every key's hash: changing how keys are derived
// changes it, so that keys of the old and new kind never meet.
const rowKeyVersion = "wsctl users invite --csv, row key v2"

// rowKey derives a row's idempotency key from what the row asks for, not
// from where it sits in the file: fixing another row, inserting one or
// sorting the file leaves it unchanged, and a re-run gets the server's
// replay ("already invited") for the rows invited before. The fields are
// normalized as the server compares them (email in any case, name with
// spaces collapsed, roles and licenses as sets), so a key never stands for
// two invites the server tells apart: it answers the same key with another
// invite with 422 idempotency_key_reused.
func rowKey(req schema.InviteRequest) string {
	h := sha256.New()
	for _, part := range []string{
		rowKeyVersion,
		strings.ToLower(strings.TrimSpace(req.Email)),
		strings.Join(strings.Fields(req.Name), " "),
		strings.Join(shared.NormalizeSet(req.Roles), ","),
		strings.Join(shared.NormalizeSet(req.Licenses), ","),
	} {
		// Length-prefixed, so no two different rows hash the same text.
		h.Write([]byte(strconv.Itoa(len(part)) + ":" + part))
	}
	return "wsctl-csv-" + hex.EncodeToString(h.Sum(nil)[:16])
}
