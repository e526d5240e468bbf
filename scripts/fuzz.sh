#!/usr/bin/env bash
# Runs every fuzz target of both modules in turn, then prints a table of
# package, target, seconds, execs, new interesting inputs and result. Not part
# of CI.
#
#   scripts/fuzz.sh [seconds] [FuzzName...]
#
# seconds is the fuzzing time of each target (default 180). Naming targets
# runs only those; FUZZ_FILTER (an extended regexp on target names) narrows
# the set too. FUZZ_PARALLEL is the number of fuzzing workers (default 1, to
# leave the rest of the machine alone).
#
# A failing input is kept where Go writes it, testdata/fuzz/<Target>/ in the
# target's package: it then runs as a seed in every `go test` once committed.
# The script names each such file, and exits non-zero at the end, after every
# target has run, if any target failed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

secs=180
if [[ ${1:-} =~ ^[0-9]+$ ]]; then
	secs=$1
	shift
fi
parallel=${FUZZ_PARALLEL:-1}
filter=${FUZZ_FILTER:-.}
modules=(. examples sdkcompat)
export GOWORK=off

# Discover module, package and target, one tab-separated line each. Packages
# whose tests do not build are reported; when every target is to run, they
# count as failures.
targets=()
broken=()
for m in "${modules[@]}"; do
	status=0
	listing=$(cd "$m" && go test -list '^Fuzz' ./... 2>&1) || status=$?
	while IFS=$'\t' read -r kind pkg name; do
		if [[ $kind == broken ]]; then
			broken+=("$pkg")
		elif [[ ($# -eq 0 || " $* " == *" $name "*) && $name =~ $filter ]]; then
			targets+=("$m"$'\t'"$pkg"$'\t'"$name")
		fi
	done < <(awk -v m="$m" -v status="$status" '/^Fuzz/ { names[++n] = $1; next }
		/^ok / { for (i = 1; i <= n; i++) print "target\t" $2 "\t" names[i]; n = 0; next }
		/^FAIL\t/ { print "broken\t" $2; bad++; n = 0 }
		END { if (status != 0 && !bad) print "broken\tmodule " m }' <<<"$listing")
	if [[ $status -ne 0 ]]; then
		printf '%s\n' "$listing" | grep -vE '^(Fuzz|ok |\? )' >&2 || true
	fi
done
if [[ ${#targets[@]} -eq 0 ]]; then
	echo "fuzz.sh: no fuzz target matches" >&2
	exit 1
fi
if [[ $# -gt 0 || $filter != . ]]; then
	broken=() # a subset was asked for; the listing above shows what did not build
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
rows=()
kept=()
failed=0
for pkg in "${broken[@]}"; do
	rows+=("$pkg"$'\t'"-"$'\t'"-"$'\t'"-"$'\t'"-"$'\t'"BUILD FAILED")
	failed=1
done
for t in "${targets[@]}"; do
	IFS=$'\t' read -r m pkg name <<<"$t"
	printf '\n=== %s %s (%ss, %s worker(s))\n' "$pkg" "$name" "$secs" "$parallel"
	log=$logs/$name.log
	start=$SECONDS
	result=ok
	if ! (cd "$m" && go test -run '^$' -fuzz "^$name\$" -fuzztime "${secs}s" -parallel "$parallel" "$pkg") 2>&1 | tee "$log"; then
		result=FAIL
		failed=1
		input=$(sed -nE 's/.*Failing input written to (testdata\/fuzz\/[^ ]+).*/\1/p' "$log" | tail -n 1)
		if [[ -n $input ]]; then
			dir=$(cd "$m" && go list -f '{{.Dir}}' "$pkg")
			kept+=("${dir#"$root"/}/$input (go test -run='$name/${input##*/}' $pkg)")
		fi
	fi
	last=$(grep -E '^fuzz: elapsed: .*execs: [0-9]+' "$log" | tail -n 1 || true)
	execs=$(sed -nE 's/.*execs: ([0-9]+).*/\1/p' <<<"$last")
	interesting=$(sed -nE 's/.*new interesting: ([0-9]+).*/\1/p' <<<"$last")
	rows+=("$pkg"$'\t'"$name"$'\t'"$((SECONDS - start))"$'\t'"${execs:--}"$'\t'"${interesting:--}"$'\t'"$result")
done

printf '\n%-60s %-26s %7s %12s %11s %s\n' package target seconds execs interesting result
for r in "${rows[@]}"; do
	IFS=$'\t' read -r pkg name s execs interesting result <<<"$r"
	printf '%-60s %-26s %7s %12s %11s %s\n' "$pkg" "$name" "$s" "$execs" "$interesting" "$result"
done
if [[ ${#kept[@]} -gt 0 ]]; then
	printf '\nNew failing inputs, kept as seeds:\n'
	printf '  %s\n' "${kept[@]}"
fi
exit "$failed"
