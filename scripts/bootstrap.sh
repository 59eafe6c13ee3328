#!/usr/bin/env bash
# Installs what ght-soc needs on a Debian machine, idempotently: Debian packages when missing, the virtual
# environment, the project with its [dev] extra. Called by scripts/demo.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "[bootstrap] $*"; }

# python-ldap builds against libldap/libsasl; slapd, snmpd, PostgreSQL, rsyslog and logger (bsdutils) are
# the tests' real peers.
PACKAGES=(python3 python3-venv python3-dev gcc libldap2-dev libsasl2-dev slapd ldap-utils snmpd snmp postgresql
          rsyslog rsyslog-gnutls bsdutils openssl chromium chromium-driver fonts-dejavu-core iproute2 wrk)
# The Samba AD DC the LDAP tests provision (samba, winbind come with samba-ad-dc; the provisioning data is
# only a Recommends of it, hence named).
PACKAGES+=(samba-ad-dc samba-ad-provision)

missing=()
for package in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done

if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { say "not root and no sudo: install ${missing[*]} yourself"; exit 1; }
    sudo=(sudo)
  fi
  # Keep the packages' services (slapd, snmpd, postgresql) from starting: the tests start their own.
  policy=/usr/sbin/policy-rc.d
  added_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod +x "$policy"
    added_policy=1
  fi
  trap '[[ $added_policy == 1 ]] && "${sudo[@]}" rm -f "$policy"' EXIT
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The peers' own services stay off for good (they would start at the next boot): the tests start theirs.
  if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
    "${sudo[@]}" systemctl mask --quiet slapd snmpd postgresql smbd nmbd samba-ad-dc 2>/dev/null || true
  fi
fi

python=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python=$candidate
    break
  fi
done
[[ -n $python ]] || { say "Python 3.11 or newer is needed"; exit 1; }

if [[ ! -x .venv/bin/python ]]; then
  say "creating .venv with $($python --version)"
  "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi

stamp=.venv/.ght-soc-installed
if [[ ! -e $stamp || pyproject.toml -nt $stamp ]]; then
  say "installing ght-soc and its dependencies into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
  touch "$stamp"
fi
