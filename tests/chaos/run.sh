#!/bin/sh
# The chaos runner's entry point (make test, make chaos): tests/chaos/chaos.py with the forms
# below, inside a user and mount namespace of its own when the system allows one, so that a full
# disk is a real ENOSPC on a tmpfs that disappears with the run; otherwise (containers that
# forbid unshare) a full disk is RLIMIT_FSIZE (EFBIG), which the output says.
#
#   tests/chaos/run.sh --build BUILD --short     make test: a few short schedules, fixed seed
#                                                (CHAOS_SEED overrides), faults whose fixes are
#                                                on main (SHORT_FAULTS below), two at a time
#   tests/chaos/run.sh --build BUILD --long      make chaos: CHAOS_SCHEDULES (200) schedules of
#                                                every fault, seed CHAOS_SEED or random,
#                                                CHAOS_JOBS (3) run side by side
#   tests/chaos/run.sh --build BUILD [chaos.py options]    anything else, e.g. a replay
#
# Last line: "chaos: N schedules, F failed; lost …" (chaos.py); exit 1 when one failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)

# The faults `make test` runs: those the nodes on main survive, every fault now. Leave one out
# here while a fix waits for it (docs/RELIABILITY.md, "Faults that wait for a fix").
SHORT_FAULTS=kill-publish,kill-catchup,restore-up,restore-down,rotate-correct,rotate-late,rotate-forced,suspend,partition,proxy-delay,proxy-drop,proxy-corrupt,proxy-truncate,proxy-reset,proxy-blackhole,disk-full,map-full,http-pipeline

form=""
for a; do
	shift
	case "$a" in --short | --long) form=${a#--} ;; *) set -- "$@" "$a" ;; esac
done
build="" prev=""
for a; do
	[ "$prev" = --build ] && build=$a
	prev=$a
done
[ -n "$build" ] || { echo "usage: $0 --build BUILD (--short | --long | chaos.py options)" >&2; exit 2; }
case "$form" in
short) set -- "$@" --seed "${CHAOS_SEED:-1}" --schedules "${CHAOS_SCHEDULES:-4}" --steps 4 \
	--faults "$SHORT_FAULTS" --jobs "${CHAOS_JOBS:-2}" ;;
long)
	set -- "$@" --schedules "${CHAOS_SCHEDULES:-200}" --steps 6 --faults "${CHAOS_FAULTS:-all}" \
		--keep "$build/chaos-failed" --jobs "${CHAOS_JOBS:-3}"
	[ -z "${CHAOS_SEED:-}" ] || set -- "$@" --seed "$CHAOS_SEED"
	;;
esac

# The independent verifier every schedule reads the logs with (Go's sumdb/tlog and sumdb/note,
# offline from Debian's golang-golang-x-mod-dev), built as tests/integration/lib.sh builds it.
gv="$(cd "$build" && pwd)/tests/goverify"
if [ ! -x "$gv" ] || [ "$here/../integration/goverify/main.go" -nt "$gv" ]; then
	mkdir -p "$(dirname "$gv")"
	(cd "$here/../integration" && GO111MODULE=off GOPATH=/usr/share/gocode \
		GOCACHE="$(dirname "$gv")/gocache" GOFLAGS= go build -o "$gv" ./goverify) ||
		{ echo "chaos: 0 schedules, the independent verifier (tests/integration/goverify) does not build"; exit 1; }
fi
set -- "$@" --goverify "$gv"

# The runner's own parts first (fault proxy, schedules, comparison): ~1 s.
/usr/bin/python3 "$here/selftest.py" ||
	{ echo "chaos: 0 schedules, the runner's self-test failed"; exit 1; }
if unshare -rm --propagation private true 2> /dev/null; then
	export CHAOS_MOUNT_NS=1
	exec unshare -rm --propagation private /usr/bin/python3 "$here/chaos.py" "$@"
fi
exec /usr/bin/python3 "$here/chaos.py" "$@"
