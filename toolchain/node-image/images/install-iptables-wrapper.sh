#!/bin/sh
# Replaces the iptables alternatives symlinks of a Debian image by iptables-wrapper.
set -eu
install -m 0755 /tmp/iptables-wrapper /usr/sbin/iptables-wrapper
for n in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
  ln -sf /usr/sbin/iptables-wrapper "/usr/sbin/$n"
done
rm -f /tmp/iptables-wrapper
