#!/usr/bin/env bash
# Schemathesis CLI against a real `sincere serve` on loopback, with a key from `sincere keys create`:
# every operation, valid and invalid data (--mode all), at least MIN_CASES cases; no 5xx, answers as
# documented, and no error answer echoing request text (tests/api/schemathesis_hooks.py). Run by .ci/run.
# Usage: tests/api/fuzz_live_server.sh [VENV]   (default .venv)
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=${1:-.venv}
examples=${SINCERE_FUZZ_EXAMPLES:-50}
min_cases=300
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

export SINCERE_DATA_DIR="$work/data" SINCERE_RATE_LIMIT="1000000/minute" SINCERE_AUTH_FAILURE_LIMIT="1000000/minute"
export SINCERE_CAMPAIGN_INDEX_URL="memory://" PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
key=$("$venv/bin/sincere" keys create --name schemathesis 2>/dev/null)
"$venv/bin/sincere" serve --host 127.0.0.1 --port "$port" --workers 1 --log-level warning >"$work/server.log" 2>&1 &
server=$!

SCHEMATHESIS_HOOKS=tests.api.schemathesis_hooks "$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" \
  --wait-for-schema 120 --mode all --max-examples "$examples" --seed 19 --generation-deterministic \
  --header "X-API-Key: $key" --request-timeout 60 --phases examples,coverage,fuzzing \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,error_does_not_echo_request \
  --report ndjson --report-ndjson-path "$work/events.ndjson" --no-color | tee "$work/out.txt"

cases=$("$venv/bin/python" - "$work/events.ndjson" <<'PY'
import json, sys
total = 0
for line in open(sys.argv[1], encoding="utf-8"):
    event = json.loads(line)
    for name, body in event.items():
        if name == "ScenarioFinished" and isinstance(body, dict):
            total += len(body.get("recorder", {}).get("cases", {}))
print(total)
PY
)
echo "schemathesis: $cases cases against the live server"
if [ "$cases" -lt "$min_cases" ]; then
  echo "error: only $cases cases (need $min_cases)" >&2
  exit 1
fi
