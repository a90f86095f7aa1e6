#!/usr/bin/env bash
# Installs everything EduFleet needs on a fresh Debian/Ubuntu machine, without questions; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v influxd >/dev/null 2>&1 || need+=(influxdb)              # the telemetry store (1.x, v1 API)
[ -x /usr/bin/chromium ] || need+=(chromium)                         # the browser the web tests drive
command -v mosquitto_pub >/dev/null 2>&1 || need+=(mosquitto-clients) # a foreign MQTT client for docs and tests
command -v mosquitto >/dev/null 2>&1 || need+=(mosquitto)             # the reference broker of the benchmark
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)         # tests read generated PDFs back (text, pages as images)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)              # tests decode the QR codes printed on labels

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The packages may start system services; EduFleet runs its own servers on free ports, so stop them.
  for svc in influxdb mosquitto; do $SUDO service "$svc" stop >/dev/null 2>&1 || true; done
else
  echo "setup: Debian packages already present (influxdb, chromium, mosquitto, poppler-utils, zbar-tools)"
fi

echo "setup: npm dependencies"
# `npm install` (not `npm ci`): npm 11 records only this platform's optional packages (rollup, esbuild) in the
# lock file and `npm ci` then refuses it as out of sync; `npm install` honours the locked versions all the same.
npm install --no-audit --no-fund

echo "setup: building the web app"
npm run build:web --silent

echo "setup: done. Next: npm test, or npm run demo"
