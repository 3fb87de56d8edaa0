#!/bin/sh
# Builds every tests/fuzz/fuzz_*.c harness with clang's libFuzzer and ASan/UBSan against the
# project's sources, and runs each for SECONDS (bounded) from its seed corpus. New inputs go to
# build/fuzz/corpus, never into the repository. Usage: tests/fuzz/run.sh [SECONDS]
set -eu
secs=${1:-20}
top=$(cd "$(dirname "$0")/../.." && pwd)
out="$top/build/fuzz"
mkdir -p "$out/gen"
for p in "$top"/proto/*.proto; do
	protoc-c --proto_path="$top/proto" --c_out="$out/gen" "$p"
done
# Every layer but the command-line tool's (it links libcurl and cairo, which no harness needs).
src=$(ls "$top"/node/*/*.c "$top"/peers/*.c | grep -v -e '/node/cli/' -e '/remactod\.c$')
flags="-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -I$top -I$top/node"
flags="$flags -I$out/gen"
libs=$(pkg-config --libs libprotobuf-c lmdb jansson libcrypto libssl libwebsockets inih)
failed=0 passed=0
for h in "$top"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$h" .c)
	corpus="$top/tests/fuzz/corpus/${name#fuzz_}"
	echo "== $name: building"
	# shellcheck disable=SC2086
	clang $flags -o "$out/$name" "$h" $src "$out"/gen/*.pb-c.c $libs
	mkdir -p "$out/corpus/$name"
	echo "== $name: running ${secs}s"
	if "$out/$name" -max_total_time="$secs" -max_len=70000 -timeout=10 \
		-artifact_prefix="$out/$name-" "$out/corpus/$name" "$corpus" \
		> "$out/$name.log" 2>&1; then
		tail -n 1 "$out/$name.log"
		passed=$((passed + 1))
	else
		tail -n 30 "$out/$name.log"
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
