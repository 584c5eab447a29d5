#!/usr/bin/env bash
# Load figure: messages per second through `mxlab serve` with Postfix's
# smtp-source, and the same run against Postfix's smtp-sink on the same
# machine as the reference (smtp-sink stores nothing; mxlab serve writes and
# syncs every message to its Maildir before answering 250).
#
#   bash tests/interop/load.sh [SESSIONS] [MESSAGES]     (default: 20 10000)
#
# The Maildir goes under $MXLAB_LOAD_DIR (default $TMPDIR or /tmp): on a
# disk the figure is mostly the cost of syncing each message; on a tmpfs
# (MXLAB_LOAD_DIR=/dev/shm) it is mostly the SMTP work.
#
# Needs Postfix (smtp-source, smtp-sink) and python3 for a free port.
set -euo pipefail
cd "$(dirname "$0")/../.."
SESSIONS="${1:-20}"
MESSAGES="${2:-10000}"
for tool in /usr/sbin/smtp-source /usr/sbin/smtp-sink; do
  [ -x "$tool" ] || { echo "missing $tool: apt-get install -y postfix" >&2; exit 1; }
done

cargo build -q -p mxlab-cli --profile release-native
MXLAB="${CARGO_TARGET_DIR:-target}/release-native/mxlab"
WORK="$(mktemp -d "${MXLAB_LOAD_DIR:-${TMPDIR:-/tmp}}/mxlab-load.XXXXXX")"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# Runs smtp-source against port $1; prints the elapsed seconds.
source_run() {
  local start end
  start=$(date +%s.%N)
  /usr/sbin/smtp-source -s "$SESSIONS" -m "$MESSAGES" -d -f sender@example.org -t rcpt@example.org "127.0.0.1:$1"
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }' 
}

PORT=$(free_port)
"$MXLAB" serve --listen "127.0.0.1:$PORT" --maildir "$WORK/Maildir" --quiet >"$WORK/serve.log" &
PIDS+=($!)
wait_port "$PORT"
MXLAB_SECS=$(source_run "$PORT")
STORED=$(find "$WORK/Maildir/new" -type f | wc -l)

SINK_PORT=$(free_port)
SINK_USER=()
[ "$(id -u)" -eq 0 ] && SINK_USER=(-u nobody)
/usr/sbin/smtp-sink "${SINK_USER[@]}" "127.0.0.1:$SINK_PORT" 256 &
PIDS+=($!)
wait_port "$SINK_PORT"
SINK_SECS=$(source_run "$SINK_PORT")

printf 'smtp-source -s %s -m %s -d (%s cores)\n' "$SESSIONS" "$MESSAGES" "$(nproc)"
printf '  mxlab serve (Maildir, synced): %6.2f s  %8.0f msg/s  (%s stored)\n' "$MXLAB_SECS" "$(awk -v m="$MESSAGES" -v s="$MXLAB_SECS" 'BEGIN { print m / s }')" "$STORED"
printf '  postfix smtp-sink (reference): %6.2f s  %8.0f msg/s\n' "$SINK_SECS" "$(awk -v m="$MESSAGES" -v s="$SINK_SECS" 'BEGIN { print m / s }')"
printf '  ratio (mxlab / smtp-sink throughput): %.2f\n' "$(awk -v a="$SINK_SECS" -v b="$MXLAB_SECS" 'BEGIN { print a / b }')"
[ "$STORED" -eq "$MESSAGES" ] || { echo "stored $STORED of $MESSAGES messages" >&2; exit 1; }
