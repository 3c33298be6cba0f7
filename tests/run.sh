#!/usr/bin/env bash
# The project's test command: installs what the suite needs beyond the .NET SDK from Debian's
# packages (when run as root or with sudo), or prints the exact install line and stops; then runs
# every test. `.ci/run` and README.md both use this script.
set -euo pipefail
cd "$(dirname "$0")/.."

# Programs the suite drives for real: headless Chromium (report and live-page tests) and the NATS
# server (JetStream tests). Each entry is "command:debian-package".
needs=("chromium:chromium" "nats-server:nats-server")
missing=()
for entry in "${needs[@]}"; do
  cmd="${entry%%:*}"; pkg="${entry##*:}"
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
  line="apt-get install -y ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    echo "installing with sudo: ${missing[*]}"
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "error: the test suite needs ${missing[*]}; install with: sudo $line" >&2
    exit 2
  fi
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK is not on PATH; see https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2
  exit 2
fi

dotnet test EventSnn.sln -c Release "$@"
