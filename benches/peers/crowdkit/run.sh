#!/usr/bin/env bash
# mudou-consensus vs crowd-kit 1.4.2, side by side, on the real datasets and a seeded synthetic
# crowd. Usage (from anywhere):
#   benches/peers/crowdkit/run.sh                  # real + agreement + synthetic
#   benches/peers/crowdkit/run.sh real agreement   # only those parts
#   benches/peers/crowdkit/run.sh aggregate        # `mudou aggregate` vs crowd-kit, whole process (aggregate.py)
#   benches/peers/crowdkit/run.sh parity           # MACE and GLAD vs crowd-kit's defaults (parity.py)
#   benches/peers/crowdkit/run.sh pairwise         # `mudou aggregate` vs BradleyTerry / NoisyBradleyTerry
#                                                  # (pairwise.py; PW_SIZES, PW_RUNS, CK_NBT_MAX)
# Sizes (items; labels = 5 x items): FAST_SIZES (MV, Wawa, DS, one-coin; default
# "10000 100000 200000" = 50k/500k/1M labels), GLAD_SIZES (default "10000" = 50k labels: crowd-kit
# GLAD takes ~80 s there and did not finish 500k in 15 min), MACE_SIZES (default "10000 100000":
# crowd-kit MACE takes ~6 min at 1M; add 200000 to run it). CK_TIMEOUT caps each crowd-kit run.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
VENV="$ROOT/.venv-peers"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import crowdkit, krippendorff, statsmodels" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "crowd-kit>=1.4,<1.5" "scikit-learn<1.6" "pandas<3" krippendorff statsmodels
fi
# Two BLAS threads spin on a busy 2-core box; crowd-kit is pandas-bound anyway.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target-consensus}"
(cd "$ROOT" && cargo build --release -q -p mudou-consensus --example peer --example synth --example pairwise_synth)
export PEER="$CARGO_TARGET_DIR/release/examples/peer" SYNTH="$CARGO_TARGET_DIR/release/examples/synth"
export PWSYNTH="$CARGO_TARGET_DIR/release/examples/pairwise_synth" ROOT
export WORK="$CARGO_TARGET_DIR/peers"
mkdir -p "$WORK"
case "${1:-}" in
  aggregate)
    # `mudou aggregate` vs crowd-kit, whole process and fit (aggregate.py). The binary embeds the
    # web UI's dist/ folder; an empty one is enough for this command.
    mkdir -p "$ROOT/web-ui/dist"
    (cd "$ROOT" && timeout 3600 cargo build --release -q -p mudou)
    export MUDOU="$CARGO_TARGET_DIR/release/mudou"
    exec "$VENV/bin/python" "$HERE/aggregate.py" ;;
  pairwise)
    # `mudou aggregate` on comparisons vs crowd-kit's BradleyTerry and NoisyBradleyTerry (pairwise.py).
    mkdir -p "$ROOT/web-ui/dist"
    (cd "$ROOT" && timeout 3600 cargo build --release -q -p mudou)
    export MUDOU="$CARGO_TARGET_DIR/release/mudou"
    exec "$VENV/bin/python" "$HERE/pairwise.py" ;;
  parity)
    # MACE and GLAD against crowd-kit's defaults on every set in ../shared/datasets (parity.py).
    exec "$VENV/bin/python" "$HERE/parity.py" ;;
esac
exec "$VENV/bin/python" "$HERE/compare.py" "$@"
