#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running sidetag on the embedded default:
# dev environment, no credentials, Meta dispatch in sandbox mode (nothing leaves the machine).
#   scripts/run.sh [extra sidetag serve options]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/install-deps.sh
bash scripts/build.sh
port=8080
cat <<MSG

sidetag is starting on http://127.0.0.1:${port} (environment dev, sandbox dispatch).
Send an event:

  curl -s http://127.0.0.1:${port}/v1/events \\
    -H 'Authorization: Bearer dev-key-0123456789abcdef' -H 'Content-Type: application/json' \\
    -d '{"data":[{"event_name":"Purchase","event_time":'\$(date +%s)',"event_id":"order-1001",
         "action_source":"website","event_source_url":"https://shop.example/thanks",
         "user_data":{"em":" Jane.Doe@Example.com ","ph":"(650) 555-1212","client_user_agent":"curl"},
         "custom_data":{"value":49.90,"currency":"EUR"}}]}'

Then look at what would have been sent to Meta (access token redacted):
  tail -n 1 ${root}/var/sandbox/meta-requests.ndjson
The log (stdout) shows one line per stage at debug level. Health: /healthz, readiness: /readyz, metrics: /metrics.
Stop with Ctrl-C (graceful drain).

MSG
exec "$root/build/sidetag" serve --config "$root/config/sidetag.yaml" --env dev "$@"
