#!/usr/bin/env bash
# What the tests need from the machine's package manager, installed when missing (the CI machine's
# user is root; elsewhere this says what to install): Java 17 for DynamoDB Local, and Chromium with
# CJK fonts for the browser tests (Playwright drives the system Chromium; it never downloads one).
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# Read whole first: with pipefail, `fc-list | grep -q` fails when grep's early exit kills fc-list (SIGPIPE).
fonts=$(fc-list 2>/dev/null || true)
grep -q "Noto Sans CJK" <<<"$fonts" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing system packages: ${need[*]} — install them with: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
