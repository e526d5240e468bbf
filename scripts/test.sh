#!/usr/bin/env bash
# The project's one test command (README, CI): installs what the tests need
# when it is missing, then runs the format check, go vet, staticcheck and the
# race-enabled tests of every module (the root and the nested ones listed in
# modules below), with the import-alias check and govulncheck. Every check runs even when an earlier
# one fails; the script then lists what failed and exits non-zero.
#
# CAPTCHAKIT_TEST_TIMEOUT is go test's -timeout (default 20m, beyond Go's
# 10m, for a loaded machine); CAPTCHAKIT_BROWSER_TIMEOUT and
# CAPTCHAKIT_LEAK_TIMEOUT are the browser tests' and the leak checks' hang
# guards (see examples/internal/browser and internal/leakcheck).
set -euo pipefail
cd "$(dirname "$0")/.."

STATICCHECK_VERSION=v0.8.2 # staticcheck 2026.2.2
GOVULNCHECK_VERSION=v1.9.0

log() { printf '\n=== %s\n' "$*"; }

need_pkgs=()
command -v redis-server >/dev/null 2>&1 || need_pkgs+=(redis-server)
# redis-cli joins the test Redis Cluster (session/redisledger); Debian's
# redis-server depends on redis-tools, which has it, but check on its own.
command -v redis-cli >/dev/null 2>&1 || need_pkgs+=(redis-tools)
command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
if [ ${#need_pkgs[@]} -gt 0 ]; then
	log "installing ${need_pkgs[*]}"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

GOBIN="$(go env GOPATH)/bin"
if ! "$GOBIN/staticcheck" -version 2>/dev/null | grep -qF "(${STATICCHECK_VERSION#v})"; then
	log "installing staticcheck $STATICCHECK_VERSION"
	(cd / && GOFLAGS=-mod=mod go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION")
fi
if ! "$GOBIN/govulncheck" -version 2>/dev/null | grep -qF "govulncheck@$GOVULNCHECK_VERSION"; then
	log "installing govulncheck $GOVULNCHECK_VERSION"
	(cd / && GOFLAGS=-mod=mod go install "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION")
fi

# Each module is vetted and tested on its own, as its users build it: the
# workspace (go.work), which lets the examples run from the root, is off.
export GOWORK=off
modules=(. examples sdkcompat geetestcompat altchacompat siteverifycompat)
test_timeout=${CAPTCHAKIT_TEST_TIMEOUT:-20m}

# From here on a failing check does not stop the script: step records it.
failed=()
step() {
	local name=$1
	shift
	log "$name"
	if ! "$@"; then
		failed+=("$name")
	fi
}

check_gofmt() {
	local f files=() unformatted
	# Tracked and new files alike, but not those deleted from the tree.
	while IFS= read -r f; do
		[ -e "$f" ] && files+=("$f")
	done < <(git ls-files --cached --others --exclude-standard '*.go' 2>/dev/null || find . -name '*.go')
	unformatted=$(gofmt -l "${files[@]}") || return 1
	if [ -n "$unformatted" ]; then
		echo "gofmt would change:"
		echo "$unformatted"
		return 1
	fi
}

# The core is always imported as captcha (its directory is middleware/; see
# middleware/doc.go), so examples and tests read alike and goimports agrees.
check_import_alias() {
	local bad
	bad=$(git grep -n '"github.com/captchakit/captcha/middleware"' -- '*.go' |
		grep -v 'captcha "github.com/captchakit/captcha/middleware"' || true)
	if [ -n "$bad" ]; then
		echo "import the core as captcha \"github.com/captchakit/captcha/middleware\":"
		echo "$bad"
		return 1
	fi
}

# govulncheck needs its vulnerability database (vuln.go.dev). Where it
# cannot be reached (an offline CI machine) the check says so and is
# skipped; any finding, or any other error, fails.
check_vulns() {
	local out rc=0
	out=$(cd "$1" && "$GOBIN/govulncheck" ./... 2>&1) || rc=$?
	if [ $rc -ne 0 ] && grep -q "fetching vulnerabilities" <<<"$out"; then
		echo "skipped: the vulnerability database is unreachable from this machine"
		return 0
	fi
	echo "$out"
	return $rc
}

step "gofmt" check_gofmt
step "import alias" check_import_alias
for m in "${modules[@]}"; do
	step "go vet ($m)" bash -c 'cd "$1" && go vet ./...' _ "$m"
	step "staticcheck ($m)" bash -c 'cd "$1" && "$2" ./...' _ "$m" "$GOBIN/staticcheck"
	step "govulncheck ($m)" check_vulns "$m"
done
for m in "${modules[@]}"; do
	step "go test -race ($m)" bash -c 'cd "$1" && go test -race -count=1 -timeout "$2" ./...' _ "$m" "$test_timeout"
done

if [ ${#failed[@]} -gt 0 ]; then
	printf '\n=== FAILED (%d):\n' "${#failed[@]}"
	printf '  %s\n' "${failed[@]}"
	exit 1
fi
log "all checks passed"
