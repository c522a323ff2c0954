#!/usr/bin/env bash
# libvirt.sh install|start|stop|restart - a real libvirt (Debian 12: 9.0 + QEMU 7.2) for the tests, as root,
# without systemd: the oracle for tests/oracle, the daemon for --connect, the RelaxNG schemas.
set -euo pipefail
STATE=${VIRTLINT_LIBVIRT_STATE:-/var/tmp/virtlint-libvirt}
CONF="$STATE/libvirtd.conf"

install() {
  if command -v virsh >/dev/null && command -v libvirtd >/dev/null && [ -f /usr/share/libvirt/schemas/domain.rng ] \
     && [ -x /usr/bin/qemu-system-x86_64 ] && [ -x /usr/bin/qemu-system-aarch64 ]; then
    return 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # postinst scripts must not try to start services: there is no init system here
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get install -y -q --no-install-recommends \
    libvirt-daemon-system libvirt-clients libvirt-daemon libvirt-daemon-driver-qemu \
    qemu-system-x86 qemu-system-arm qemu-efi-aarch64 ovmf qemu-utils \
    swtpm swtpm-tools libxml2-utils dmidecode iproute2 dnsmasq-base
}

start() {
  if virsh -q -c qemu:///system version >/dev/null 2>&1; then
    virsh -c qemu:///system version
    return 0  # already running (started by someone else)
  fi
  mkdir -p "$STATE" /var/log/libvirt /var/lib/libvirt/images
  cat > "$CONF" <<CONF
unix_sock_group = "root"
unix_sock_rw_perms = "0770"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_level = 3
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
CONF
  # Debian's udev rule makes /dev/kvm root:kvm 0660; without it libvirt re-probes QEMU on every call.
  if [ -c /dev/kvm ] && getent group kvm >/dev/null; then chgrp kvm /dev/kvm && chmod 0660 /dev/kvm; fi
  if ! { [ -s "$STATE/virtlogd.pid" ] && kill -0 "$(cat "$STATE/virtlogd.pid")" 2>/dev/null; }; then
    virtlogd -d -p "$STATE/virtlogd.pid"
  fi
  if ! { [ -s "$STATE/libvirtd.pid" ] && kill -0 "$(cat "$STATE/libvirtd.pid")" 2>/dev/null; }; then
    libvirtd -d -f "$CONF" -p "$STATE/libvirtd.pid"
  fi
  for _ in $(seq 1 300); do
    virsh -q -c qemu:///system version >/dev/null 2>&1 && break
    sleep 0.2
  done
  virsh -c qemu:///system version
}

stop() {
  for name in libvirtd virtlogd; do
    if [ -s "$STATE/$name.pid" ]; then
      kill -TERM "$(cat "$STATE/$name.pid")" 2>/dev/null || true
      rm -f "$STATE/$name.pid"
    fi
  done
}

restart() {
  # stop the daemon this script started, wait for it to exit, start it again (the oracle does this after a case
  # that crashes or corrupts libvirt 9.0's daemon; a daemon started by someone else is left alone)
  if [ -s "$STATE/libvirtd.pid" ]; then
    pid=$(cat "$STATE/libvirtd.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$STATE/libvirtd.pid"
  fi
  start
}

"${1:?usage: libvirt.sh install|start|stop|restart}"
