#!/usr/bin/env bash
# Install the Debian packages the tests need, only those missing. Root runs apt-get directly;
# others go through sudo. Usage: scripts/system-packages.sh COMMAND:PACKAGE ...
set -euo pipefail
missing=()
for pair in "$@"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
# Servers the tests need (nginx, PostgreSQL, Redis) must not start as system services on install:
# the tests start their own on 127.0.0.1. policy-rc.d is Debian's way to say so.
guard=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  guard=/usr/sbin/policy-rc.d
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$guard" >/dev/null
  $sudo chmod +x "$guard"
fi
trap '[ -n "$guard" ] && $sudo rm -f "$guard"' EXIT
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
