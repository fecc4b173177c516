#!/usr/bin/env bash
# The documented curl procedures, run against the fake appliance binary.
#
#   bash fake-sps/tests/curl_flows.sh [path/to/fake-sps]
#
# Needs curl and jq. `cargo test -p fake-sps --test curl_flows` runs it with the freshly built
# binary. Without an argument the script builds the binary itself.
#
# Starts the binary on a free loopback port (port 0, the bound URL is read from its first output
# line) with a temporary state file, and walks: login with a cookie jar, browsing, a write
# without a transaction, opening a transaction (411 without Content-Length), a password, a user
# and a group (the documented create-group command), what another session sees and the lock,
# the changelog, commit, rollback, closing an active session and the firmware test (the
# documented commands), the documented errors, a restart that must keep the committed data,
# and HTTPS with the test certificate. Prints "ok - <section>" per section and exits non-zero
# on the first failed check, saying which step failed and what the appliance answered.
set -euo pipefail

# Checked first, with builtins only, so that a missing tool is reported as such.
for tool in curl jq; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "curl_flows: '$tool' is not installed; install curl and jq to run this test" \
      "(Debian/Ubuntu: apt-get install curl jq)" >&2
    exit 2
  fi
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data="$root/fake-sps/tests/data"
bin="${1:-}"
if [[ -z "$bin" ]]; then
  (cd "$root" && cargo build -q -p fake-sps)
  bin="$root/target/debug/fake-sps"
fi
[[ -x "$bin" ]] || { echo "curl_flows: $bin is not an executable" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/curl_flows.XXXXXX")"
pid=""
url=""
step="setup"

cleanup() {
  if [[ -n "$pid" ]]; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# The EXIT trap also runs when the script is interrupted.
trap 'exit 130' INT TERM

fail() {
  echo "FAIL [$step]: $*" >&2
  if [[ -s "$work/out.log" ]]; then
    echo "--- fake-sps output:" >&2
    tail -n 20 "$work/out.log" >&2
  fi
  exit 1
}

ok() { echo "ok - $step"; }

# start [extra fake-sps options...]: runs the binary on a free port and waits (bounded) until it
# prints the URL it listens on, which it does once the socket is bound.
start() {
  : >"$work/out.log"
  "$bin" --listen 127.0.0.1:0 --user admin:s3cret --user bob:hunter2 \
    --state "$work/state.json" "$@" >"$work/out.log" 2>&1 &
  pid=$!
  url=""
  for _ in $(seq 100); do
    url="$(sed -n 's/^fake SPS listening on \(https\{0,1\}:\/\/[^ ]*\).*/\1/p' "$work/out.log")"
    [[ -n "$url" ]] && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" || true
      pid=""
      fail "fake-sps exited before listening"
    fi
    sleep 0.1
  done
  fail "fake-sps did not report a listening address within 10 s"
}

# stop: SIGTERM must end the server promptly and cleanly (exit status 0).
stop() {
  kill -TERM "$pid"
  for _ in $(seq 100); do
    if ! kill -0 "$pid" 2>/dev/null; then
      local code=0
      wait "$pid" || code=$?
      pid=""
      [[ "$code" == 0 ]] || fail "fake-sps exited with status $code on SIGTERM"
      return 0
    fi
    sleep 0.1
  done
  fail "fake-sps did not stop within 10 s of SIGTERM"
}

# Never use a proxy for the loopback fake; never hang.
curl_() { curl --silent --show-error --noproxy '*' --max-time 10 "$@"; }

# call METHOD PATH [JSON]: one request with the cookie jar of user $who; sets $status, $body.
who=admin
call() {
  local method="$1" path="$2" data="${3-}"
  last="$method $path"
  local args=(-o "$work/body" -w '%{http_code}' -X "$method"
    -b "$work/$who.jar" -c "$work/$who.jar")
  if [[ -n "$data" ]]; then args+=(-H 'Content-Type: application/json' --data "$data"); fi
  status="$(curl_ "${args[@]}" "$url$path")" || fail "curl could not complete $last on $url"
  body="$(cat "$work/body")"
}

# login USER PASSWORD: the documented login, `curl --user ... --cookie-jar ...`.
login() {
  who="$1"
  last="login as $1"
  status="$(curl_ -o "$work/body" -w '%{http_code}' --user "$1:$2" --cookie-jar "$work/$1.jar" \
    "$url/api/authentication")" || fail "curl could not log in on $url"
  body="$(cat "$work/body")"
}

# expect STATUS [ERROR_TYPE]
expect() {
  [[ "$status" == "$1" ]] || fail "$last: expected HTTP $1, got $status: $body"
  if [[ -n "${2-}" ]]; then
    local kind
    kind="$(field '.error.type')"
    [[ "$kind" == "$2" ]] || fail "$last: expected error type $2, got $kind: $body"
  fi
}

# field JQ: a value of the last reply.
field() {
  jq -r "$1" <<<"$body" 2>/dev/null || fail "$last: the reply is not JSON: $body"
}

# want JQ EXPECTED: the value of JQ in the last reply must be EXPECTED.
want() {
  local got
  got="$(field "$1")"
  [[ "$got" == "$2" ]] || fail "$last: $1 is '$got', expected '$2': $body"
}

start

step="anonymous access"
who=nobody
call GET /api/info; expect 200
want '.key' about_info
want '.body | has("version")' false
call GET /api/configuration; expect 401 Unauthenticated
want '.meta.href' /api/configuration
last="GET /api/configuration with an unknown session"
status="$(curl_ -o "$work/body" -w '%{http_code}' --cookie "session_id=$(printf '0%.0s' {1..40})" \
  "$url/api/configuration")" || fail "curl could not reach $url"
body="$(cat "$work/body")"; expect 401 Unauthenticated
want '.error.details.path' /api/configuration
login admin wrong; expect 401 AuthenticationFailure
ok

step="login with a cookie jar"
login admin s3cret; expect 200
want '.meta.href' /api/authentication
session="$(awk '$6 == "session_id" { print $7 }' "$work/admin.jar")"
[[ "$session" =~ ^[0-9a-f]{40}$ ]] || fail "no 40-hex session_id in the cookie jar: $(cat "$work/admin.jar")"
ok

step="browse"
call GET /api/configuration; expect 200
want '.meta.transaction' /api/transaction
call GET /api/configuration/aaa/local_database; expect 200
want '[.items[].key] | join(",")' groups,users
call GET /api/configuration/aaa/local_database/users; expect 200
want '.meta.next' null
users_before="$(field '.items | length')"
sample_user="$(field '.items[0].key')"
# The documented listing: `curl --cookie cookies .../groups`.
status="$(curl_ -o "$work/body" -w '%{http_code}' --cookie "$work/admin.jar" \
  "$url/api/configuration/aaa/local_database/groups")" || fail "curl could not list the groups"
body="$(cat "$work/body")"; last="GET groups (documented command)"
expect 200
want '.meta.href' /api/configuration/aaa/local_database/groups
groups_before="$(field '.items | length')"
# The documented listing of backup policies ends with a slash.
last="GET backup_policies/ (documented command)"
status="$(curl_ -o "$work/body" -w '%{http_code}' --cookie "$work/admin.jar" \
  "$url/api/configuration/policies/backup_policies/")" || fail "curl could not list the policies"
body="$(cat "$work/body")"; expect 200
want '.meta.href' /api/configuration/policies/backup_policies
ok

step="documented reads"
# Every GET the documentation pages print, as printed (`curl --cookie cookies URL`).
for path in \
  /api/configuration/aaa/acls \
  /api/configuration/local_services/cluster \
  /api/configuration/management/system_backup \
  /api/configuration/management/exported_configuration_encryption \
  /api/configuration/policies/archive_cleanup_policies/ \
  /api/configuration/policies/usermapping_policies \
  /api/configuration/policies/backup_policies/99275192754364c2b1bd04 \
  /api/firmware \
  /api/firmware/slots \
  /api/health_status \
  /api/indexer/dashboard \
  /api/integrated_products; do
  last="GET $path (documented command)"
  status="$(curl_ -o "$work/body" -w '%{http_code}' --cookie "$work/admin.jar" "$url$path")" \
    || fail "curl could not complete $last"
  body="$(cat "$work/body")"; expect 200
  # Some monitoring answers (health status) carry no links.
  has_meta="$(field 'has("meta")')"
  if [[ "$has_meta" == true ]]; then want '.meta.href' "${path%/}"; fi
done
# The documented cleanup command is a bare `curl -X POST` (no body, no Content-Length).
last="POST /api/cleanup/cleanup_now (documented command)"
status="$(curl_ -o "$work/body" -w '%{http_code}' -X POST --cookie "$work/admin.jar" \
  "$url/api/cleanup/cleanup_now")" || fail "curl could not start the cleanup"
body="$(cat "$work/body")"; expect 200
ok

step="write without a transaction"
call POST /api/configuration/aaa/local_database/groups '{"name": "g", "members": []}'
expect 409 NoTransaction
want '.error.details.path' /api/configuration/aaa/local_database/groups
ok

step="open a transaction"
# `curl -X POST` without data sends no Content-Length: 411, as on SPS.
call POST /api/transaction; expect 411
last="POST /api/transaction --data ''"
status="$(curl_ -o "$work/body" -w '%{http_code}' -X POST --data '' -b "$work/admin.jar" \
  "$url/api/transaction")" || fail "curl could not open a transaction"
body="$(cat "$work/body")"; expect 200
want '.body.status' open
ok

step="password, user and group"
call POST /api/configuration/passwords '{"plain": "newpassword"}'; expect 201
password="$(field '.key')"
[[ "$password" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] \
  || fail "password key is not a UUID: $password"
call GET "/api/configuration/passwords/$password"; expect 200
grep -q newpassword <<<"$body" && fail "the secret reads back: $body"
call POST /api/configuration/aaa/local_database/users "{\"name\": \"carol\", \"password\": \"$password\"}"
expect 201
user="$(field '.key')"
[[ "$user" =~ ^[0-9a-f]{22}$ ]] || fail "user key is not 22 hex characters: $user"
call POST /api/configuration/aaa/local_database/users "{\"name\": \"dave\", \"password\": \"$password\"}"
expect 400 SemanticError
want '.error.details.password' "$password"
# The documented create-group command, members given by user keys.
last="POST groups (documented command)"
status="$(curl_ -o "$work/body" -w '%{http_code}' -X POST -H "Content-Type: application/json" \
  --cookie "$work/admin.jar" "$url/api/configuration/aaa/local_database/groups" \
  --data "{\"name\": \"new-usergroup\", \"members\": [\"$sample_user\", \"$user\"]}")" \
  || fail "curl could not create the group"
body="$(cat "$work/body")"; expect 201
group="$(field '.meta.href')"
[[ "$group" == "/api/configuration/aaa/local_database/groups/$(field '.key')" ]] \
  || fail "group href: $body"
ok

step="another session and the lock"
login bob hunter2; expect 200
call GET "/api/configuration/aaa/local_database/users/$user"; expect 404 NotFound
call PUT "$group" '{"name": "x", "members": []}'; expect 409 NoTransaction
want '.error.details.locked_by' admin
call POST /api/transaction '{}'; expect 409 NoTransaction
want '.error.details.locked_by' admin
who=admin
ok

step="changes and commit"
call GET /api/transaction/changes; expect 200
want '[.changes[].type] | join(",")' create,create,create
want '[.changes[].path] | join(",")' \
  "/api/configuration/passwords/$password,/api/configuration/aaa/local_database/users/$user,$group"
grep -q newpassword <<<"$body" && fail "the secret shows in the changes: $body"
call PUT /api/transaction '{"status": "commit"}'; expect 200
want '.body.status' closed
who=bob
call GET "/api/configuration/aaa/local_database/users/$user"; expect 200
want '.body.name' carol
want '.body.password.meta.href' "/api/configuration/passwords/$password"
call GET "$group"; expect 200
want '.body.members | length' 2
call GET /api/configuration/aaa/local_database/groups; expect 200
want '.items | length' "$((groups_before + 1))"
ok

step="rollback"
who=admin
call POST /api/transaction '{}'; expect 200
call DELETE "$group"; expect 200
want '.meta.parent' /api/configuration/aaa/local_database/groups
call GET "$group"; expect 404 NotFound
call GET /api/transaction/changes; expect 200
want '[.changes[] | .type + " " + .path] | join(",")' "delete $group"
call DELETE /api/transaction; expect 200
want '.body.status' closed
call GET "$group"; expect 200
ok

step="close an active session"
# The documented command: the id goes into the URL as shown (with / and :).
last="DELETE active-sessions (documented command)"
status="$(curl_ -o "$work/body" -w '%{http_code}' --cookie "$work/admin.jar" \
  "$url/api/active-sessions?id=svc/rpokH8fD9kx6CaxNLznKx2/test:12" -X DELETE)" \
  || fail "curl could not close the active session"
body="$(cat "$work/body")"; expect 200
call DELETE '/api/active-sessions?id=svc/rpokH8fD9kx6CaxNLznKx2/test:12'; expect 404 SessionCouldNotBeFound
call DELETE /api/active-sessions; expect 400 SessionIdMissing
ok

step="firmware test"
# The documented command sends JSON with --data and no content type.
last="POST /api/firmware/test (documented command)"
status="$(curl_ -o "$work/body" -w '%{http_code}' --cookie "$work/admin.jar" \
  "$url/api/firmware/test" --data '{"slot_id": 2}')" || fail "curl could not run the firmware test"
body="$(cat "$work/body")"; expect 200
want '.key' 2
want '.meta.slot' /api/firmware/slots/2
# A real form body is still refused.
last="POST /api/firmware/test with a form body"
status="$(curl_ -o "$work/body" -w '%{http_code}' --cookie "$work/admin.jar" \
  "$url/api/firmware/test" --data 'slot_id=2')" || fail "curl could not reach $url"
body="$(cat "$work/body")"; expect 400 InvalidRequestBody
ok

step="documented errors"
call POST /api/firmware/test '{}'; expect 400 IncompleteRequestBodyError
want '.error.details.missing_paths | join(",")' slot_id
call POST /api/firmware/test '{"slot_id": 3}'; expect 404 ResourceNotFound
want '.error.details.mount_point' /firmware/test
call GET /api/configuration/no_such_thing; expect 404 NotFound
call GET /api/health_status; expect 200
ok

step="restart keeps the committed data"
stop
start
login admin s3cret; expect 200
call GET "/api/configuration/aaa/local_database/users/$user"; expect 200
want '.body.name' carol
call GET /api/configuration/aaa/local_database/users; expect 200
want '.items | length' "$((users_before + 1))"
ok

step="https"
stop
start --tls-cert "$data/server.crt" --tls-key "$data/server.key"
[[ "$url" == https://127.0.0.1:* ]] || fail "not an HTTPS URL: $url"
# The documented `curl -k` login, then a verified call with the test CA.
last="login over HTTPS with -k"
status="$(curl_ -k -o "$work/body" -w '%{http_code}' --user admin:s3cret \
  --cookie-jar "$work/tls.jar" "$url/api/authentication")" || fail "curl -k could not log in"
body="$(cat "$work/body")"; expect 200
last="GET over HTTPS with --cacert"
status="$(curl_ --cacert "$data/ca.crt" -o "$work/body" -w '%{http_code}' \
  --cookie "$work/tls.jar" "$url/api/configuration/aaa/local_database/users/$user")" \
  || fail "curl --cacert could not verify the test certificate"
body="$(cat "$work/body")"; expect 200
want '.body.name' carol
# Neither: the test CA is unknown to curl, so the handshake must fail.
if curl_ -o /dev/null "$url/api/info" 2>/dev/null; then
  fail "an untrusted certificate was accepted"
fi
stop
ok

echo "curl flows: all checks passed"
