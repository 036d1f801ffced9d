#!/usr/bin/env bash
# Starts a single-node Slurm cluster on this machine for the Slurm tests (tests/slurm.rs):
# munged, slurmctld and slurmd on localhost, CPUs from nproc, memory enforced by polling
# (jobacct_gather/linux with OverMemoryKill, so a task over its --mem ends OUT_OF_MEMORY without
# cgroups). Needs Debian's slurm-wlm and munge (.ci/run installs them) and root. Idempotent: a
# running cluster is left alone. Prints the SLURM_CONF to export.
set -euo pipefail
state=${SLURM_TEST_STATE:-/tmp/regspec-slurm}
conf=$state/slurm.conf
mkdir -p "$state"/{spool,ctld,log,run}
if [ -f "$conf" ] && SLURM_CONF=$conf scontrol ping 2>/dev/null | grep -q "is UP"; then
  echo "$conf"
  exit 0
fi
# munge: a key and the daemon.
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown -R munge:munge /etc/munge 2>/dev/null || true
chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
pgrep -x munged >/dev/null || su -s /bin/sh munge -c /usr/sbin/munged 2>/dev/null || /usr/sbin/munged --force
cpus=$(nproc)
mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
host=$(hostname -s)
cat >"$conf" <<CONF
ClusterName=regspec-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/run/slurmctld.pid
SlurmdPidFile=$state/run/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=1
JobAcctGatherParams=OverMemoryKill
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=3600
MaxArraySize=100001
MpiDefault=none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$conf
/usr/sbin/slurmctld -f "$conf" 2>>"$state/log/start.log" || true
/usr/sbin/slurmd -f "$conf" 2>>"$state/log/start.log" || true
for _ in $(seq 1 30); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE 'idle|mixed|alloc'; then
    echo "$conf"
    exit 0
  fi
  sleep 1
done
echo "the Slurm test cluster did not come up; logs in $state/log" >&2
tail -20 "$state"/log/*.log >&2 || true
exit 1
