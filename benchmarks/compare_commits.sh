#!/usr/bin/env bash
# CPU seconds (user+sys) of `compliance score FILE --format jsonl --workers 1` for two commits on the same data,
# alternating, in fresh processes: the same-run comparison issue acceptance lines ask for.
#   bash benchmarks/compare_commits.sh 8383ae3 a232334 benchmarks/data/30000.jsonl 5
# Make the data with: python -m benchmarks.generate --units 30000 --out benchmarks/data/30000.jsonl
# (a data file made by one commit's generator carries that commit's facts; use one both commits can read.)
# A_ARGS / B_ARGS add arguments to one side, e.g. the same plan content for both: B_ARGS="--rules DIR".
set -uo pipefail
a=$1 b=$2 data=$(realpath "$3") rounds=${4:-5}
read -r -a a_args <<< "${A_ARGS:-}"
read -r -a b_args <<< "${B_ARGS:-}"
top=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'git -C "$top" worktree remove --force "$work/a" >/dev/null 2>&1; git -C "$top" worktree remove --force "$work/b" >/dev/null 2>&1; rm -rf "$work"' EXIT
git -C "$top" worktree add -q --detach "$work/a" "$a"
git -C "$top" worktree add -q --detach "$work/b" "$b"
for _ in $(seq "$rounds"); do
  for side in a b; do
    if [ "$side" = a ]; then extra=("${a_args[@]}"); else extra=("${b_args[@]}"); fi
    /usr/bin/time -f "$side $([ $side = a ] && echo "$a" || echo "$b") %U user %S sys %e wall" python -c \
      "import sys; sys.path.insert(0, '$work/$side'); from compliance.cli import main; sys.exit(main(['score', '$data', '--format', 'jsonl', '--workers', '1', '--output', '$work/out-$side.jsonl', *sys.argv[1:]]))" \
      "${extra[@]}" 2>&1 | tail -1 || true  # score exits 1 when a unit fails: that is not an error here
  done
done
