#!/usr/bin/env bash
# Times the bulk loads of the foundation: the whole national area table and a synthetic
# province of N children (default 1,000,000). Uses a throw-away embedded database under
# bench/results/ unless DATABASE_URL is set (then that database is written to!).
# Usage: bench/load_data.sh [CHILDREN]
set -euo pipefail
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
cd "$(dirname "$0")/.."
children=${1:-1000000}
export SHOUHU_DATA_DIR=${SHOUHU_DATA_DIR:-bench/results/load-data-$$}
shouhu=.venv/bin/shouhu
timed() {
  local start end
  start=$(date +%s.%N)
  "$@"
  end=$(date +%s.%N)
  printf '%-70s %8.1f s\n' "$*" "$(echo "$end - $start" | bc)" | tee -a bench/results/load_data.txt
}
mkdir -p bench/results
echo "# $(date -u +%FT%TZ) $(nproc) cores" >> bench/results/load_data.txt
begin=$(date +%s.%N)
timed "$shouhu" migrate
timed "$shouhu" import-areas --all
timed "$shouhu" seed synthetic --children "$children" --seed 1
printf '%-70s %8.1f s\n' "the whole load" "$(echo "$(date +%s.%N) - $begin" | bc)" \
  | tee -a bench/results/load_data.txt
rm -rf "bench/results/load-data-$$"
