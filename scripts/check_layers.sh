#!/usr/bin/env bash
# Layers point one way (docs/ARCHITECTURE.md): api -> services -> {access, domain,
# pagination, error, entity}. This fails when a file imports against that direction.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
refuse() { # pattern, files..., message in $MSG
  local pattern=$1; shift
  local hits
  hits=$(grep -nE "$pattern" "$@" 2>/dev/null | grep -vE '^[^:]+:[0-9]+:\s*//' || true)
  if [ -n "$hits" ]; then
    echo "layer check: $MSG"; echo "$hits"; status=1
  fi
}
pure=(src/services src/domain src/access.rs src/pagination.rs src/decode.rs)
MSG="services, domain and access do not see HTTP (actix)" \
  refuse 'actix' -r "${pure[@]}"
MSG="services, domain and access do not import the HTTP layer (api, auth, extract, idempotency, state, startup)" \
  refuse 'crate::(api|auth|extract|idempotency|state|startup)\b' -r "${pure[@]}"
MSG="domain and access do not run queries (services do)" \
  refuse 'crate::services|sea_orm::.*(EntityTrait|QueryFilter|ConnectionTrait)' -r src/domain src/access.rs
MSG="nothing but main and the tests' harness imports startup" \
  refuse 'crate::startup' -r src --exclude=startup.rs --exclude=main.rs
MSG="handlers call services; queries live in src/services (no sea-orm query traits in src/api)" \
  refuse 'use sea_orm::.*(EntityTrait|QueryFilter|QuerySelect|QueryOrder|ActiveModelTrait)|Entity::(find|update|delete|insert)' -r src/api
[ $status -eq 0 ] && echo "layer check: ok"
exit $status
