#!/usr/bin/env bash
# Label Studio 1.23.2 under the same annotator loop as Mudou's dispatch bench (next, then one
# annotation, flat out; ~1% of POSTs sent twice as a browser retry). Usage (from anywhere):
#   benches/peers/labelstudio/run.sh [--annotators "1 8 32"] [--seconds 30] [--overlap 3]
#                                    [--tasks 3000] [--json-dir DIR]
# or the same through LS_ANNOTATORS, LS_SECONDS, LS_OVERLAP, LS_TASKS, LS_PORT (default: a free
# port). It installs `label-studio` into ROOT/.venv-labelstudio, migrates a template data dir
# once (target/labelstudio/template: the first start runs every migration, ~2-3 min) with one
# user and token per annotator, then for each annotator count copies the template to a fresh data
# dir (default SQLite), starts Label Studio on 127.0.0.1, creates a project (single choice over a
# text, maximum_annotations = overlap), imports the tasks, runs bench.py and stops the server.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
VENV="$ROOT/.venv-labelstudio"
ANNOTATORS="${LS_ANNOTATORS:-1 8 32}"
SECS="${LS_SECONDS:-30}"
OVERLAP="${LS_OVERLAP:-3}"
TASKS="${LS_TASKS:-3000}"
JSON_DIR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --annotators) ANNOTATORS="$2"; shift 2 ;;
    --seconds) SECS="$2"; shift 2 ;;
    --overlap) OVERLAP="$2"; shift 2 ;;
    --tasks) TASKS="$2"; shift 2 ;;
    --json-dir) JSON_DIR="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

if [ ! -x "$VENV/bin/label-studio" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "label-studio>=1.23.2,<1.24"
fi
PY="$VENV/bin/python"
WORK="$ROOT/target/labelstudio"
mkdir -p "$WORK"
PORT="${LS_PORT:-$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
URL="http://127.0.0.1:$PORT"
ADMIN=bench-admin@example.com
ADMIN_PASSWORD=bench-admin-password
ADMIN_TOKEN=0123456789abcdef0123456789abcdef01234567

export SENTRY_DSN= FRONTEND_SENTRY_DSN= COLLECT_ANALYTICS=false LATEST_VERSION_CHECK=false
export LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN=true

SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    # Its own process group (setsid below): the server and anything it spawned.
    kill -INT -- "-$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# start_server DATA_DIR: Label Studio on loopback, default SQLite in DATA_DIR; waits until it answers.
start_server() {
  local dir="$1"
  LABEL_STUDIO_BASE_DATA_DIR="$dir" setsid "$VENV/bin/label-studio" start --no-browser \
    --internal-host 127.0.0.1 --port "$PORT" --data-dir "$dir" --username "$ADMIN" \
    --password "$ADMIN_PASSWORD" --user-token "$ADMIN_TOKEN" --enable-legacy-api-token \
    >"$dir.log" 2>&1 &
  SERVER_PID=$!
  local t0=$SECONDS
  until curl -sf -o /dev/null "$URL/api/version" -H "Authorization: Token $ADMIN_TOKEN"; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "label studio exited; its log:" >&2; tail -30 "$dir.log" >&2; exit 1
    fi
    if [ $((SECONDS - t0)) -gt 900 ]; then echo "label studio did not answer in 15 min" >&2; exit 1; fi
    sleep 1
  done
  echo "label studio answered on $URL after $((SECONDS - t0)) s (data dir $dir)" >&2
}

MAX=0
for n in $ANNOTATORS; do [ "$n" -gt "$MAX" ] && MAX=$n; done
TEMPLATE="$WORK/template"
if [ ! -f "$TEMPLATE/.migrated" ]; then
  rm -rf "$TEMPLATE" "$TEMPLATE.log"
  mkdir -p "$TEMPLATE"
  echo "first start of label studio: migrations (~2-3 min)" >&2
  start_server "$TEMPLATE"
  stop_server
  touch "$TEMPLATE/.migrated"
fi
# One user and token per annotator, in Label Studio's own Django shell (`label-studio shell`,
# which passes no command through: the script is handed to its shell_plus call; idempotent).
if [ "$(cat "$TEMPLATE/.users" 2>/dev/null || echo 0)" -lt "$MAX" ]; then
  LABEL_STUDIO_BASE_DATA_DIR="$TEMPLATE" "$PY" - "$TEMPLATE" "$MAX" <<'PYEOF' >"$TEMPLATE.users.log" 2>&1 \
    || { tail -30 "$TEMPLATE.users.log" >&2; exit 1; }
import sys
from label_studio import server
data_dir, n = sys.argv[1], int(sys.argv[2])
script = f"""
import json
from organizations.models import Organization
from rest_framework.authtoken.models import Token
from users.models import User
org = Organization.objects.order_by('id').first()
tokens = []
for i in range({n}):
    email = f'annotator{{i}}@example.com'
    u = User.objects.filter(email=email).first()
    if u is None:
        u = User.objects.create_user(email=email, password='bench-annotator-password', username=f'annotator{{i}}')
    if not org.has_user(u):
        org.add_user(u)
    u.active_organization = org
    u.save()
    tokens.append(Token.objects.get_or_create(user=u)[0].key)
json.dump(tokens, open({data_dir + '/tokens.json'!r}, 'w'))
print(f'{{len(tokens)}} annotators with tokens')
"""
call = server.call_command
server.call_command = lambda name, *a, **k: call(name, command=script, quiet_load=True) if name == "shell_plus" else call(name, *a, **k)
sys.argv = ["label-studio", "shell", "--data-dir", data_dir]
server.main()
PYEOF
  tail -1 "$TEMPLATE.users.log" >&2
  echo "$MAX" >"$TEMPLATE/.users"
fi

LS_VERSION="$("$PY" -c 'import importlib.metadata as m; print(m.version("label-studio"))')"
echo "== label studio $LS_VERSION, SQLite, annotators: $ANNOTATORS, $SECS s each, overlap $OVERLAP, $TASKS tasks"
for n in $ANNOTATORS; do
  DIR="$WORK/run-$n"
  rm -rf "$DIR" "$DIR.log"
  cp -a "$TEMPLATE" "$DIR"
  echo "-- $(uptime)"
  start_server "$DIR"
  auth=(-H "Authorization: Token $ADMIN_TOKEN" -H "Content-Type: application/json")
  config='<View><Text name="text" value="$text"/><Choices name="choice" toName="text" choice="single"><Choice value="a"/><Choice value="b"/><Choice value="c"/><Choice value="d"/></Choices></View>'
  project=$("$PY" -c 'import json,sys; print(json.dumps({"title": "bench", "label_config": sys.argv[1], "maximum_annotations": int(sys.argv[2])}))' "$config" "$OVERLAP" \
    | curl -sf "${auth[@]}" -X POST "$URL/api/projects/" --data-binary @- \
    | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  t0=$SECONDS
  "$PY" -c 'import json,sys; print(json.dumps([{"data": {"text": f"样本 {i} 号"}} for i in range(int(sys.argv[1]))]))' "$TASKS" \
    | curl -sf "${auth[@]}" -X POST "$URL/api/projects/$project/import" --data-binary @- >/dev/null
  echo "project $project: $TASKS tasks imported in $((SECONDS - t0)) s" >&2
  json=()
  [ -n "$JSON_DIR" ] && { mkdir -p "$JSON_DIR"; json=(--json-out "$JSON_DIR/ls-$n.json"); }
  "$PY" "$HERE/bench.py" --url "$URL" --project "$project" --tokens "$DIR/tokens.json" \
    --annotators "$n" --seconds "$SECS" --overlap "$OVERLAP" --pid "$SERVER_PID" \
    --db "$DIR/label_studio.sqlite3" "${json[@]}"
  stop_server
done
