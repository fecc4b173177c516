#!/usr/bin/env bash
# The documented curl procedures, run against the fake appliance binary.
#
#   bash fake-sps/tests/curl_flows.sh [path/to/fake-sps]
#
# Starts the binary on a free loopback port with a temporary state file, walks login,
# browsing, a transaction (password + user + group, changes, commit), rollback, the lock, the
# documented errors, and a restart that must keep the committed data. Exits non-zero on the
# first failed check.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="${1:-$root/target/debug/fake-sps}"
if [[ ! -x "$bin" ]]; then
  (cd "$root" && cargo build -q -p fake-sps)
fi

work="$(mktemp -d)"
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

start() {
  "$bin" --listen 127.0.0.1:0 --user admin:s3cret --user bob:hunter2 --state "$work/state.json" \
    >"$work/out.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    url="$(sed -n 's/^fake SPS listening on \(http[^ ]*\).*/\1/p' "$work/out.log")"
    [[ -n "$url" ]] && return 0
    sleep 0.1
  done
  echo "the fake did not start:"; cat "$work/out.log"; exit 1
}

stop() { kill "$pid"; wait "$pid" || true; pid=""; }

fail() { echo "FAIL: $*"; exit 1; }

# call METHOD PATH [JSON] -> sets $status and $body (cookie jar of user $who).
who=admin
call() {
  local method="$1" path="$2" data="${3-}"
  local args=(-s -o "$work/body" -w '%{http_code}' -X "$method" -b "$work/$who.jar" -c "$work/$who.jar")
  if [[ -n "$data" ]]; then args+=(-H 'Content-Type: application/json' --data "$data"); fi
  status="$(curl "${args[@]}" "$url$path")"
  body="$(cat "$work/body")"
}

expect() { # expect STATUS [ERROR_TYPE]
  [[ "$status" == "$1" ]] || fail "expected $1, got $status: $body"
  if [[ -n "${2-}" ]]; then
    [[ "$(jq -r '.error.type' <<<"$body")" == "$2" ]] || fail "expected error $2: $body"
  fi
}

field() { jq -r "$1" <<<"$body"; }

login() { # login USER PASSWORD
  who="$1"
  status="$(curl -s -o "$work/body" -w '%{http_code}' --user "$1:$2" -c "$work/$1.jar" "$url/api/authentication")"
  body="$(cat "$work/body")"
}

command -v jq >/dev/null || { echo "jq is needed"; exit 1; }
start

# Anonymous: info answers, the rest does not.
who=nobody; call GET /api/info; expect 200
[[ "$(field '.key')" == about_info ]] || fail "info key: $body"
call GET /api/configuration; expect 401 Unauthenticated
login admin wrong; expect 401 AuthenticationFailure

# Login and browse.
login admin s3cret; expect 200
grep -q 'session_id' "$work/admin.jar" || fail "no session cookie"
call GET /api/configuration/aaa/local_database; expect 200
[[ "$(field '[.items[].key] | join(",")')" == "groups,users" ]] || fail "local_database: $body"
call GET /api/configuration/aaa/local_database/users; expect 200
[[ "$(field '.meta.next')" == null ]] || fail "users is the last child: $body"
users_before="$(field '.items | length')"

# A write without a transaction is refused.
call POST /api/configuration/aaa/local_database/groups '{"name": "g", "members": []}'; expect 409 NoTransaction

# Open (curl -X POST without data has no Content-Length: 411, as on SPS), then write.
call POST /api/transaction; expect 411
status="$(curl -s -o "$work/body" -w '%{http_code}' -X POST --data '' -b "$work/admin.jar" "$url/api/transaction")"
body="$(cat "$work/body")"; expect 200
[[ "$(field '.body.status')" == open ]] || fail "transaction not open: $body"

call POST /api/configuration/passwords '{"plain": "newpassword"}'; expect 201
password="$(field '.key')"
[[ "$password" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] || fail "password key: $password"
call POST /api/configuration/aaa/local_database/users "{\"name\": \"carol\", \"password\": \"$password\"}"; expect 201
user="$(field '.key')"
[[ "$user" =~ ^[0-9a-f]{22}$ ]] || fail "user key: $user"
call POST /api/configuration/aaa/local_database/users "{\"name\": \"dave\", \"password\": \"$password\"}"; expect 400 SemanticError
call POST /api/configuration/aaa/local_database/groups "{\"name\": \"new-usergroup\", \"members\": [\"$user\"]}"; expect 201
group="$(field '.meta.href')"

# Another administrator sees nothing yet and cannot write.
login bob hunter2; expect 200
call GET "/api/configuration/aaa/local_database/users/$user"; expect 404 NotFound
call PUT "$group" '{"name": "x", "members": []}'; expect 409 NoTransaction
who=admin

call GET /api/transaction/changes; expect 200
[[ "$(field '[.changes[].type] | join(",")')" == "create,create,create" ]] || fail "changes: $body"
grep -q newpassword <<<"$body" && fail "the secret shows in the changes"
call PUT /api/transaction '{"status": "commit"}'; expect 200
[[ "$(field '.body.status')" == closed ]] || fail "not committed: $body"

who=bob; call GET "/api/configuration/aaa/local_database/users/$user"; expect 200
[[ "$(field '.body.password.meta.href')" == "/api/configuration/passwords/$password" ]] || fail "reference: $body"

# Rollback.
who=admin
call POST /api/transaction '{}'; expect 200
call DELETE "$group"; expect 200
[[ "$(field '.meta.parent')" == /api/configuration/aaa/local_database/groups ]] || fail "delete reply: $body"
call DELETE /api/transaction; expect 200
call GET "$group"; expect 200

# Documented errors of the non-configuration endpoints.
call DELETE /api/active-sessions; expect 400 SessionIdMissing
call DELETE '/api/active-sessions?id=nope'; expect 404 SessionCouldNotBeFound
call POST /api/firmware/test '{}'; expect 400 IncompleteRequestBodyError
call GET /api/health_status; expect 200

# A restart keeps what was committed.
stop
start
login admin s3cret; expect 200
call GET "/api/configuration/aaa/local_database/users/$user"; expect 200
[[ "$(field '.body.name')" == carol ]] || fail "after restart: $body"
call GET /api/configuration/aaa/local_database/users; expect 200
[[ "$(field '.items | length')" == "$((users_before + 1))" ]] || fail "users after restart: $body"

echo "curl flows: all checks passed"
