package shared

import (
	"context"
	"errors"
	"fmt"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/prompter"
	"github.com/wsctl/wsctl/internal/client"
)

// One is a change of one user that asks for confirmation first
// (deactivate, mfa reset).
type One struct {
	Action   string // one of schema.UserAction*
	User     string // as given: an email or an id
	Doing    string // for the refusal without a terminal: "deactivate ann@example.com"
	Question string
}

// ConfirmOne gets the change of one user confirmed, and returns the client
// to make it with. With yes nothing is asked. Without a terminal it is a
// usage error, before any request. On a terminal the server first decides
// the change without keeping it (DecideOne): a user it would refuse (not
// found, the last admin) is that error, and a user it would leave as is is
// returned in unchanged, both without a question; otherwise it asks.
func ConfirmOne(ctx context.Context, ios *iostreams.IOStreams, p prompter.Prompter, newClient func() (*client.Client, error), yes bool, one One) (c *client.Client, unchanged *schema.User, err error) {
	if !yes && !ios.CanPrompt() {
		return nil, nil, cmdutil.Confirm(ios, p, false, one.Doing, one.Question)
	}
	if c, err = newClient(); err != nil || yes {
		return c, nil, err
	}
	planned, err := DecideOne(ctx, c, one.Action, one.User)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", one.Doing, err)
	}
	if planned.Unchanged != "" {
		return c, &planned, nil
	}
	return c, nil, cmdutil.Confirm(ios, p, false, one.Doing, one.Question)
}

// DecideOne asks the server what action would do to user now, changing
// nothing: a dry run of a batch of one. It returns the user as the action
// would leave them, with Unchanged saying why nothing would change; a row
// the server would refuse is its problem, as an *client.APIError.
func DecideOne(ctx context.Context, c *client.Client, action, user string) (schema.User, error) {
	out, err := c.UserBatch(ctx, schema.UserBatchRequest{Action: action, Users: []schema.UserBatchItem{{User: user}}, DryRun: true})
	if err != nil {
		return schema.User{}, err
	}
	switch r := out.Results[0]; {
	case !out.DryRun:
		return schema.User{}, errors.New("the server did not answer as a dry run: it may have changed the user; see 'wsctl users show " + user + "'")
	case r.Error != nil:
		return schema.User{}, &client.APIError{Status: r.Error.Status, Problem: *r.Error}
	case r.User == nil:
		return schema.User{}, fmt.Errorf("the server answered %q without the user", r.Status)
	default:
		return *r.User, nil
	}
}
