#!/usr/bin/env bash
# make demo: start workspaced on a fresh SQLite file on 127.0.0.1, create an
# org, and walk through the user-management story with wsctl; then stop.
set -euo pipefail
cd "$(dirname "$0")/.."

demo=$(mktemp -d "${TMPDIR:-/tmp}/wsctl-demo.XXXXXX")
export XDG_CONFIG_HOME="$demo/config" NO_COLOR=1
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$demo"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
# expect CODE CMD...: run a command that must fail with exit code CODE.
expect() {
  local want=$1; shift
  printf '$ %s\n' "$*"
  set +e; "$@"; local got=$?; set -e
  if [ "$got" != "$want" ]; then echo "demo: expected exit $want, got $got" >&2; exit 1; fi
  printf '(exit %s, as expected)\n' "$got"
}
ws() { bin/wsctl "$@"; }
wsd() { bin/workspaced --database "sqlite:$demo/workspace.db" "$@"; }

step "Start workspaced on a fresh SQLite file"
# The binary itself goes to the background, not the wsd function: $! of a
# backgrounded function is the subshell running it, and killing that at the
# end left workspaced running.
bin/workspaced serve --database "sqlite:$demo/workspace.db" --listen 127.0.0.1:0 >"$demo/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  addr=$(grep -o 'address=http://[0-9.:]*' "$demo/server.log" | head -1 | cut -d= -f2) && [ -n "$addr" ] && break
  sleep 0.1
done
[ -n "${addr:-}" ] || { cat "$demo/server.log"; echo "demo: workspaced did not start" >&2; exit 1; }
export WSCTL_HOST=$addr
echo "workspaced is listening on $WSCTL_HOST"

step "The operator creates the org; its first admin's token goes to WSCTL_TOKEN"
printf '$ export WSCTL_TOKEN=$(workspaced org create --slug acme --name "Acme Inc" --admin-name "Ada Admin" --admin-email ada@acme.example)\n'
WSCTL_TOKEN=$(wsd org create --slug acme --name "Acme Inc" --admin-name "Ada Admin" --admin-email ada@acme.example)
export WSCTL_TOKEN
run ws licenses show

step "Automatic sign-up is on for a new org, so invites are refused"
run ws signup-mode status
expect 1 ws users invite --name "Grace Hopper" --email grace@acme.example --role user --license flow

step "Turn automatic sign-up off (it asks first; --yes confirms)"
run ws signup-mode off --yes

step "Invite people from examples/users.csv: a bad row and the license limit"
cat examples/users.csv
cp examples/users.csv "$demo/users.csv"   # the import's resume journal goes beside the file
printf '$ wsctl users invite --csv examples/users.csv\n'
set +e; ws users invite --csv "$demo/users.csv"; got=$?; set -e
[ "$got" = 3 ] || { echo "demo: expected exit 3, got $got" >&2; exit 1; }
echo "(exit 3, as expected)"

step "License usage: pending invites reserve their licenses"
run ws licenses show
run ws invites list

step "The operator imports a known person directly; an invitee signs up"
run wsd user add --org acme --name "Bob Ray" --email bob@acme.example --role user --license flow
link=$(wsd outbox list --org acme | grep 'alan@acme.example' | grep -o 'http[^[:space:]]*/signup?token=[^[:space:]]*' | tail -1)
token=${link#*token=}
printf '$ curl -X POST %s/api/v1/invites/accept (the sign-up page at that link does this once the person has set a password and MFA)\n' "$WSCTL_HOST"
curl -fsS -X POST "$WSCTL_HOST/api/v1/invites/accept" -H 'Content-Type: application/json' \
  -d "{\"token\":\"$token\",\"name\":\"Alan Turing\",\"email\":\"alan@acme.example\"}" >/dev/null
run ws users list

step "Deactivate Bob: his licenses go back to the pool"
run ws users deactivate bob@acme.example --yes
run ws users list --inactive
run ws licenses show --product flow

step "Reactivate Bob with a license"
run ws users activate bob@acme.example --license flow

step "Reset Alan's MFA: his next sign-in sets it up again"
run ws mfa reset alan@acme.example --yes

step "Support resets MFA for a wave of lost phones, from a file"
cat examples/lost-phones.csv
run ws mfa reset --csv examples/lost-phones.csv --dry-run
cp examples/lost-phones.csv "$demo/lost-phones.csv"   # its resume journal goes beside the file
printf '$ wsctl mfa reset --csv examples/lost-phones.csv --yes\n'
ws mfa reset --csv "$demo/lost-phones.csv" --yes

step "Sync the workspace to HR's roster: it invites Dorothy, gives Ada a license, and leaves Bob out"
# examples/roster.csv lists everyone who should be in the workspace. The
# server decides the whole roster in one transaction; --dry-run is that
# decision, rolled back.
cat examples/roster.csv
run ws users sync --csv examples/roster.csv --deactivate-missing --dry-run
# Deactivating people needs a yes: without a terminal to ask on (stdin from
# /dev/null here) and without --yes, the sync refuses and changes nothing.
expect 2 ws users sync --csv examples/roster.csv --deactivate-missing </dev/null
run ws users sync --csv examples/roster.csv --deactivate-missing --yes
# A sync is idempotent: the same roster again changes nothing (exit 0).
run ws users sync --csv examples/roster.csv --deactivate-missing --yes
run ws users list --inactive

step "Another org signs in with HubSpot: its sign-in page offers only that button"
northwind_token=$(wsd org create --slug northwind --name "Northwind Traders" --admin-name "Nora North" --admin-email nora@northwind.example 2>/dev/null)
# The client secret HubSpot gave the app stays in a file, never in argv.
printf 'demo-hubspot-client-secret' >"$demo/hubspot-secret"
run wsd org set-idp --org northwind --kind hubspot --portal-id 4242 --client-id demo-client --client-secret-file "$demo/hubspot-secret"
printf '$ curl -s %s/login?org=northwind   (the page, as text)\n' "$WSCTL_HOST"
page=$(curl -fsS "$WSCTL_HOST/login?org=northwind")
# The page's visible text: tags and the style sheet dropped.
printf '%s\n' "$page" | sed -e '/<style/,/<\/style>/d' -e 's/<[^>]*>/\n/g' | sed -e 's/^[[:space:]]*//' | grep -v '^$' | sed -e 's/^/    /'
if printf '%s' "$page" | grep -q 'type="password"'; then echo "demo: the HubSpot org's page shows a password form" >&2; exit 1; fi
echo "(no password form: Northwind's people sign in with HubSpot only)"

step "Northwind's identity provider provisions people through SCIM 2.0 at /scim/v2"
# An admin makes a token with the scim scope for the identity provider (Okta,
# Entra ID); it opens /scim/v2 and nothing else.
printf '$ scim_token=$(wsctl tokens create --name okta --scope scim)\n'
scim_token=$(WSCTL_TOKEN=$northwind_token ws tokens create --name okta --scope scim 2>/dev/null)
ext=urn:wsctl:params:scim:schemas:extension:workspace:2.0:User
# scim METHOD PATH [BODY]: one SCIM request with curl, its JSON answer printed.
scim() {
  local method=$1 path=$2; shift 2
  printf '$ curl -X %s %s/scim/v2%s%s\n' "$method" "$WSCTL_HOST" "$path" "${1:+ -d '$1'}"
  curl -fsS -X "$method" "$WSCTL_HOST/scim/v2$path" -H "Authorization: Bearer $scim_token" \
    -H 'Content-Type: application/scim+json' ${1:+-d "$1"} | tee "$demo/scim.json"
  echo
}
nw() { WSCTL_TOKEN=$northwind_token ws "$@"; }
scim POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","'$ext'"],"userName":"lin@northwind.example","name":{"givenName":"Lin","familyName":"Wu"},"active":true,"'$ext'":{"roles":["user"],"licenses":["flow"]}}'
lin=$(grep -o '"id":"[^"]*"' "$demo/scim.json" | head -1 | cut -d'"' -f4)
run nw licenses show --product flow
# Okta deactivates with a PATCH of active; Entra ID sends the same.
scim PATCH "/Users/$lin" '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}'
grep -q '"active":false' "$demo/scim.json" || { echo "demo: the SCIM user is still active" >&2; exit 1; }
echo "(Lin is inactive: the flow license went back to the pool)"
run nw licenses show --product flow
scim GET '/Users?filter=userName%20eq%20%22lin@northwind.example%22'
grep -q '"totalResults":1' "$demo/scim.json" || { echo "demo: the filter did not find Lin" >&2; exit 1; }

step "Every change is in the audit log"
run ws audit list

step "CI can fail a build on license drift"
expect 3 ws licenses show --fail-above 90

step "A CI audit of license usage, with a JUnit report (docs/ci.md)"
expect 3 ws licenses audit --max-used 90 --idle-days 30 --junit "$demo/licenses-audit.xml"

echo
echo "Demo finished: workspaced stops now."
