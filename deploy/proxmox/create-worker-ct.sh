#!/usr/bin/env bash
# Creates a Debian 12 LXC container on a Proxmox VE node and installs an LFS Farm worker in it.
# Run on the Proxmox node as root:
#   deploy/proxmox/create-worker-ct.sh CTID COORDINATOR_HOST:PORT /path/to/farm.jar [CORES] [MEMORY_MB] [DISK_GB]
# The container is privileged=0 (unprivileged); the worker then measures builds through /proc
# sampling when cgroup delegation is not available (see docs/reference/metrics.md).
set -euo pipefail
ctid=${1:?CTID}; coordinator=${2:?COORDINATOR_HOST:PORT}; jar=${3:?path to farm.jar}
cores=${4:-4}; memory=${5:-8192}; disk=${6:-40}
storage=${FARM_CT_STORAGE:-local-lvm}
template=${FARM_CT_TEMPLATE:-local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst}

pct create "$ctid" "$template" --hostname "farm-worker-$ctid" --cores "$cores" --memory "$memory" \
  --rootfs "$storage:$disk" --net0 name=eth0,bridge=vmbr0,ip=dhcp --unprivileged 1 --features nesting=1 --onboot 1
pct start "$ctid"
pct exec "$ctid" -- bash -c 'until getent hosts deb.debian.org >/dev/null; do sleep 1; done'
pct exec "$ctid" -- bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  openjdk-17-jre-headless gcc g++ make pkgconf patch xz-utils bzip2 zstd file'
pct exec "$ctid" -- bash -c 'useradd --system --no-create-home farm-build || true; mkdir -p /opt/lfs-farm /etc/farm'
pct push "$ctid" "$jar" /opt/lfs-farm/farm.jar
here=$(cd "$(dirname "$0")/.." && pwd)
pct push "$ctid" "$here/systemd/farm-worker.service" /etc/systemd/system/farm-worker.service
pct exec "$ctid" -- bash -c "printf 'FARM_COORDINATOR=%s\nFARM_WORKER_NAME=%s\nFARM_SLOTS=%s\nFARM_CORES=%s\nFARM_MEMORY_MB=%s\n' \
  '$coordinator' \"\$(hostname)\" 2 '$cores' '$((memory * 8 / 10))' > /etc/farm/worker.env"
pct exec "$ctid" -- systemctl daemon-reload
pct exec "$ctid" -- systemctl enable --now farm-worker
echo "container $ctid runs a farm worker; check with: farm workers --coordinator $coordinator"
