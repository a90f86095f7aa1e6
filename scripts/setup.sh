#!/usr/bin/env bash
# Installs everything EduFleet needs on a fresh Debian/Ubuntu machine, without questions; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v influxd >/dev/null 2>&1 || need+=(influxdb)              # the telemetry store (1.x, v1 API)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql) # the registry's second engine; tests run their own server
[ -x /usr/bin/chromium ] || need+=(chromium)                         # the browser the web tests drive
command -v mosquitto_pub >/dev/null 2>&1 || need+=(mosquitto-clients) # a foreign MQTT client for docs and tests
command -v mosquitto >/dev/null 2>&1 || need+=(mosquitto)             # the reference broker of the benchmark
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)         # tests read generated PDFs back (text, pages as images)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)              # tests decode the QR codes printed on labels
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)      # several machines: the shared bus and live state; tests run their own
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)                # several machines: one address for devices and dashboards
command -v victoria-metrics >/dev/null 2>&1 || need+=(victoria-metrics) # integration: a real server of InfluxDB's /api/v2/write for the v2 writer's tests
command -v promtool >/dev/null 2>&1 || need+=(prometheus)            # integration: promtool checks /metrics and the example alert rules

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The packages may start system services (postgresql starts a cluster on port 5432); EduFleet and its tests run
  # their own servers on free ports, so stop them.
  for svc in influxdb mosquitto postgresql redis-server haproxy victoria-metrics prometheus prometheus-node-exporter; do $SUDO service "$svc" stop >/dev/null 2>&1 || true; done
else
  echo "setup: Debian packages already present (influxdb, postgresql, chromium, mosquitto, poppler-utils, zbar-tools, redis-server, haproxy, victoria-metrics, prometheus)"
fi

# npm ci installs exactly the committed lock file and never rewrites it, so git status stays clean. It starts by
# deleting node_modules, so a re-run skips it while node_modules is newer than package.json and the lock (npm writes
# node_modules/.package-lock.json at the end of every install; a pull or checkout that changes either file is newer).
hidden=node_modules/.package-lock.json
if [ -f "$hidden" ] && [ "$hidden" -nt package-lock.json ] && [ "$hidden" -nt package.json ]; then
  echo "setup: npm dependencies already match package-lock.json (delete node_modules to reinstall)"
else
  echo "setup: npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

echo "setup: building the server (dist/) and the web app (dashboard/web/dist/)"
npm run build --silent

echo "setup: done. Next: npm test, or npm run demo"
