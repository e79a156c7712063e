#!/bin/sh
# courtlink-service [SERVICE]: run one Courtlink service (the argument, else $SERVICE) on 0.0.0.0:$PORT.
# Every service migrates its database on start under a PostgreSQL advisory lock, so replicas may start together.
set -eu
service="${1:-${SERVICE:?set SERVICE or pass the service name}}"
case "$service" in
  intake|finance-mediation|enforcement-inquiry|judicial-advice|console) ;;
  *) echo "courtlink-service: unknown service '$service'" >&2; exit 64 ;;
esac
package=$(printf '%s' "$service" | tr '-' '_')
export SERVICE_NAME="${SERVICE_NAME:-$service}"
exec uvicorn --factory "${package}.app:create_app" \
  --host 0.0.0.0 --port "${PORT:-8000}" \
  --timeout-graceful-shutdown 20 --no-access-log --proxy-headers --forwarded-allow-ips '*'
