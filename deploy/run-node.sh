#!/bin/sh
# make run-node: one node on the embedded defaults (data in ./var, public http://127.0.0.1:8080,
# admin http://127.0.0.1:8081), seeded on first start with the demo open programme. Ctrl-C
# stops it cleanly; the next `make run-node` continues from the same data.
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
cat <<MSG

  REMACTO Ledger — demo node (Ctrl-C to stop; data kept in ./var)

  Dashboard       http://127.0.0.1:8080/ui/
  Log list        http://127.0.0.1:8080/api/v1/logs
  Checkpoint      http://127.0.0.1:8080/logs/demo/checkpoint
  Entries         http://127.0.0.1:8080/api/v1/logs/demo/entries?start=0&limit=20
  Commitments     http://127.0.0.1:8080/api/v1/commitments
  Inclusion proof http://127.0.0.1:8080/api/v1/logs/demo/proof/inclusion?index=3
  Health, metrics http://127.0.0.1:8080/healthz  http://127.0.0.1:8080/metrics
  Publish         build/remacto publish FILE.json   (admin token: ./var/admin.token)

MSG
exec "$build/remactod" --seed config/demo/rabat-prefecture.jsonl
