# shellcheck shell=bash
# The fresh server's network, set up the way each stack's distributions leave it, for `init --root` to
# bridge (E2E_NETWORK). Source it after common.sh and chroot.sh.
#
#   ifupdown        the cached Debian root as it is: ifupdown and isc-dhcp-client installed,
#                   /etc/network/interfaces configuring lo only (init gives the uplink DHCP)
#   none            nothing configures the network: ifupdown and every DHCP client purged, no interfaces
#                   file (a minbase or container-made image); init installs Debian's default stack
#   netplan         Debian 13's cloud images: netplan.io rendering for systemd-networkd, a cloud-init-style
#                   50-cloud-init.yaml matching the NIC by MAC and naming it; ifupdown purged
#   networkd        systemd-networkd enabled with one .network file for the NIC (matched by MAC, since
#                   under --root only the configuration can tell the bridge the NIC's MAC); ifupdown purged
#   networkmanager  NetworkManager with a keyfile connection for the NIC (its MAC in [ethernet]), ifupdown
#                   installed with lo only, as Debian's desktop installs leave it
NETWORK_STACKS=(ifupdown none netplan networkd networkmanager)

# network_stack_prepare ROOT STACK UPLINK MAC LOG
network_stack_prepare() {
  local r="$1" stack="$2" uplink="$3" mac="$4" log="$5" install=() purge=()
  case "$stack" in
    ifupdown) return 0 ;;
    none) purge=(ifupdown isc-dhcp-client dhcpcd-base) ;;
    netplan) install=(netplan.io); purge=(ifupdown isc-dhcp-client) ;;
    networkd) purge=(ifupdown isc-dhcp-client) ;;
    networkmanager) install=(network-manager) ;;
    *) e2e_die "E2E_NETWORK must be one of: ${NETWORK_STACKS[*]} (got $stack)" ;;
  esac
  chroot_enter "$r"
  chroot_block_services "$r"
  {
    if ((${#install[@]} > 0)); then
      chroot_run "$r" apt-get update -q && chroot_run "$r" apt-get install -y -q --no-install-recommends "${install[@]}" && chroot_run "$r" apt-get clean
    fi
    # Only what is installed: apt-get purge stops at a package it does not know. (dpkg-query -W without
    # names would list every package.)
    if ((${#purge[@]} > 0)); then
      mapfile -t purge < <(chroot_run "$r" dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' "${purge[@]}" 2>/dev/null | awk '$1 ~ /^[ir]/ { print $2 }')
      if ((${#purge[@]} > 0)); then chroot_run "$r" apt-get purge -y -q "${purge[@]}"; fi
    fi
  } >"$log" 2>&1 || { chroot_unblock_services "$r"; chroot_leave "$r"; tail -n 30 "$log" >&2; e2e_die "network stack $stack: packages failed (log: $log)"; }
  chroot_unblock_services "$r"
  chroot_leave "$r"

  case "$stack" in
    none) rm -f "$r/etc/network/interfaces" ;;
    netplan)
      rm -f "$r/etc/network/interfaces"
      mkdir -p "$r/etc/netplan"
      cat >"$r/etc/netplan/50-cloud-init.yaml" <<EOF
network:
    version: 2
    renderer: networkd
    ethernets:
        $uplink:
            dhcp4: true
            match:
                macaddress: $mac
            set-name: $uplink
EOF
      chmod 600 "$r/etc/netplan/50-cloud-init.yaml"
      network_enable_unit "$r" systemd-networkd.service
      ;;
    networkd)
      rm -f "$r/etc/network/interfaces"
      mkdir -p "$r/etc/systemd/network"
      printf '[Match]\nMACAddress=%s\n\n[Network]\nDHCP=ipv4\n' "$mac" >"$r/etc/systemd/network/20-wired.network"
      network_enable_unit "$r" systemd-networkd.service
      ;;
    networkmanager)
      mkdir -p "$r/etc/NetworkManager/system-connections"
      cat >"$r/etc/NetworkManager/system-connections/$uplink.nmconnection" <<EOF
[connection]
id=$uplink
uuid=$(cat /proc/sys/kernel/random/uuid)
type=ethernet
interface-name=$uplink

[ethernet]
mac-address=${mac^^}

[ipv4]
method=auto

[ipv6]
method=auto
EOF
      chmod 600 "$r/etc/NetworkManager/system-connections/$uplink.nmconnection"
      ;;
  esac
  e2e_log "network stack $stack: installed ${install[*]:-nothing}, purged ${purge[*]:-nothing}"
}

# network_enable_unit ROOT UNIT: what `systemctl enable` links for a unit wanted by multi-user.target.
network_enable_unit() {
  local unit_dir
  unit_dir="$(cd "$1" && ls -d usr/lib/systemd/system lib/systemd/system 2>/dev/null | head -n1)"
  [[ -f "$1/$unit_dir/$2" ]] || e2e_die "no $2 in the image"
  mkdir -p "$1/etc/systemd/system/multi-user.target.wants"
  ln -sfn "/$unit_dir/$2" "$1/etc/systemd/system/multi-user.target.wants/$2"
}
