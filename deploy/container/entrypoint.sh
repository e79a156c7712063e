#!/bin/sh
# courtlink-service [SERVICE] [worker]: run one Courtlink service (the first argument, else $SERVICE) on 0.0.0.0:$PORT;
# with `worker`, its background work instead (python -m courtlink_shared.worker: the outbox relay, the consumers,
# the deadline sweeps; /healthz, /readyz and /metrics on $WORKER_HEALTH_PORT), beside a service run with
# BACKGROUND_WORK=worker.
# Every service migrates its database on start under a PostgreSQL advisory lock, so replicas may start together.
set -eu
service="${1:-${SERVICE:?set SERVICE or pass the service name}}"
role="${2:-service}"
case "$service" in
  intake|finance-mediation|enforcement-inquiry|judicial-advice|console) ;;
  *) echo "courtlink-service: unknown service '$service'" >&2; exit 64 ;;
esac
package=$(printf '%s' "$service" | tr '-' '_')
export SERVICE_NAME="${SERVICE_NAME:-$service}"
case "$role" in
  service) ;;
  worker)
    if [ "$service" = console ]; then
      echo "courtlink-service: the console has no background work" >&2; exit 64
    fi
    exec python -m courtlink_shared.worker "$service" ;;
  *) echo "courtlink-service: unknown role '$role' (service or worker)" >&2; exit 64 ;;
esac
exec uvicorn --factory "${package}.app:create_app" \
  --host 0.0.0.0 --port "${PORT:-8000}" \
  --timeout-graceful-shutdown 20 --no-access-log --proxy-headers --forwarded-allow-ips '*'
