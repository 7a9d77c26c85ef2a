#!/usr/bin/env bash
# Demo: a sweep run as 3 concurrent shards, one of them killed with
# SIGKILL mid-group and restarted, gives the same report as one
# uninterrupted process.
#
#   deploy/demo-shards.sh [PELAB_BINARY] [SPEC] [WORKDIR]
#
# Prints the diff of the two reports (empty when they agree) and exits 1
# if they differ.
set -euo pipefail
PELAB=${1:-bin/pelab}
SPEC=${2:-deploy/specs/lst-demo.toml}
WORK=${3:-$(mktemp -d)}
BACKEND=${PELAB_BACKEND:-onnx:cpu}
mkdir -p "$WORK"
single=$WORK/single sharded=$WORK/sharded
rm -rf "$single" "$sharded"

echo "== single uninterrupted run -> $single"
"$PELAB" sweep run "$SPEC" -out "$single" -backend "$BACKEND" > "$WORK/single.log"

echo "== 3 concurrent shards -> $sharded"
pids=()
for i in 0 1 2; do
  "$PELAB" sweep run "$SPEC" -out "$sharded" -shard "$i/3" -backend "$BACKEND" > "$WORK/shard$i.log" 2>&1 &
  pids+=($!)
done
# Kill the first shard that writes a checkpoint, at once (kill -9).
victim=""
for _ in $(seq 1 6000); do
  if compgen -G "$sharded/checkpoints/group-*.ckpt" > /dev/null; then
    for i in 0 1 2; do
      if grep -q "^group " "$WORK/shard$i.log" && kill -0 "${pids[$i]}" 2>/dev/null; then
        victim=$i; break
      fi
    done
    [ -n "$victim" ] && break
  fi
  sleep 0.05
done
if [ -z "$victim" ]; then echo "no shard was caught mid-group (all finished first)"; exit 1; fi
kill -9 "${pids[$victim]}"
echo "killed shard $victim (pid ${pids[$victim]}) with SIGKILL; checkpoints left: $(ls "$sharded/checkpoints")"
for i in 0 1 2; do wait "${pids[$i]}" || true; done
echo "records before the restart: $(ls "$sharded"/*.json 2>/dev/null | wc -l)"
echo "== restarting shard $victim"
"$PELAB" sweep run "$SPEC" -out "$sharded" -shard "$victim/3" -backend "$BACKEND" > "$WORK/shard$victim-resume.log" 2>&1
grep -h "resum\|done:" "$WORK/shard$victim-resume.log" || true

"$PELAB" report -o "$WORK/report-single" "$single" > /dev/null
"$PELAB" report -o "$WORK/report-sharded" "$sharded" > /dev/null
echo "== diff of the reports (titles name the directories; everything else must agree)"
status=0
diff <(tail -n +2 "$WORK/report-single/report.md") <(tail -n +2 "$WORK/report-sharded/report.md") || status=1
for f in "$WORK"/report-single/*.png; do
  cmp "$f" "$WORK/report-sharded/$(basename "$f")" || status=1
done
[ $status = 0 ] && echo "(empty: the reports and figures are identical)"
exit $status
