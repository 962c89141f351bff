#!/usr/bin/env bash
# Installs, from Debian's packages, the real servers that tests/helpers/remote-servers.ts starts on loopback:
# Ceph RGW for S3 (ceph-mon, ceph-osd, radosgw; ceph-common for the `ceph` tool), OpenSSH for SFTP (sshd and
# ssh-keygen) and vsftpd for FTP. Idempotent: installs only the packages that are missing, prints one line.
# None of the services is started or enabled here: the tests start their own instances in temp folders.
set -euo pipefail

packages=(ceph-mon ceph-osd radosgw ceph-common openssh-server openssh-client vsftpd)

missing=()
for p in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-servers: all present (${packages[*]})"
  exit 0
fi

if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi
log="$(mktemp)"
added_policy=""
cleanup() {
  rm -f "$log"
  if [ -n "$added_policy" ]; then "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d; fi
}
trap cleanup EXIT

# Keep the packages' maintainer scripts from starting the system's sshd (port 22), vsftpd (port 21) or Ceph
# daemons: on machines without a policy-rc.d (Docker images have one), add one that says "don't start" for the
# duration of the install only.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${SUDO[@]}" chmod 755 /usr/sbin/policy-rc.d
  added_policy=1
fi

if ! {
  "${SUDO[@]}" apt-get update -qq &&
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
} >"$log" 2>&1; then
  echo "install-servers: apt-get failed installing: ${missing[*]}" >&2
  tail -n 40 "$log" >&2
  exit 1
fi
echo "install-servers: installed ${missing[*]}"
