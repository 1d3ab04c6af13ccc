# shellcheck shell=bash
# What a booted dom0 must show, from the probe's lines (guest/xensetup-e2e-probe), and what the image
# promised it would show. Shared by the --root boot (run.sh) and the live journey (live.sh).
# Source it after common.sh, assert.sh, chroot.sh and qemu.sh; the caller sets UPLINK and BOOT_TIMEOUT.

# What the configured image promises; read back from the image, not assumed.
EXPECT_DOM0_MEM=""
EXPECT_VG=""
read_expectations() {
  local mnt="$1" vgdev="$2"
  EXPECT_DOM0_MEM="$(cat "$mnt/etc/default/grub" "$mnt"/etc/default/grub.d/*.cfg 2>/dev/null \
    | grep -E '^[[:space:]]*GRUB_CMDLINE_XEN' | grep -oE 'dom0_mem=[^[:space:]"]+' | tail -n1 || true)"
  EXPECT_VG="$(blkid -p -s TYPE -o value "$vgdev" 2>/dev/null || true)"
  if [[ "$EXPECT_VG" == LVM2_member && -x "$mnt/sbin/pvs" ]]; then
    chroot_enter "$mnt"
    EXPECT_VG="$(chroot_run "$mnt" pvs --noheadings -o vg_name "$vgdev" 2>/dev/null | tr -d ' ' || true)"
    chroot_leave "$mnt"
  else
    EXPECT_VG=""
  fi
  e2e_log "image expects: ${EXPECT_DOM0_MEM:-<no dom0_mem>} VG=${EXPECT_VG:-<none>} uplink=$UPLINK"
  local def
  def="$(grep -E '^\s*set default=' "$mnt/boot/grub/grub.cfg" 2>/dev/null | grep -v next_entry | head -n1 || true)"
  e2e_log "grub.cfg: $def; multiboot lines: $(grep -cE '^\s*multiboot2?\s' "$mnt/boot/grub/grub.cfg" || true)"
}

check_positive() {
  local log="$1" timed_out="$2" v r
  assert "boot: the VM shut down by itself within ${BOOT_TIMEOUT}s" "$timed_out"
  r=0; { has_line "$log" '^probe-start' && has_line "$log" '^probe-done'; } || r=1
  assert "probe ran to completion" $r
  r=0; has_line "$log" '^xl-list\| Domain-0 ' || r=1
  assert "xl list shows Domain-0" $r
  v="$(fact "$log" xen-commandline)"
  r=0; [[ -n "$EXPECT_DOM0_MEM" && " $v " == *" $EXPECT_DOM0_MEM "* ]] || r=1
  assert "xl info xen_commandline has ${EXPECT_DOM0_MEM:-dom0_mem (none configured)}" $r "xen_commandline: $v"
  assert_equal "/proc/xen/capabilities is control_d" "control_d" "$(fact "$log" xen-capabilities)"
  v="$(probe_lines "$log" | awk '$1=="proc" && $2=="xenstored" {print $3}')"
  r=0; [[ -n "$v" ]] || r=1
  assert "xenstored (oxenstored) running" $r
  v="$(probe_lines "$log" | awk '$1=="proc" && $2=="xenconsoled" {print $3}')"
  r=0; [[ -n "$v" ]] || r=1
  assert "xenconsoled running" $r
  r=0; has_line "$log" '^xenbr0 present bridge=yes' || r=1
  assert "xenbr0 exists and is a bridge" $r
  v="$(fact "$log" xenbr0-ports)"
  r=0; [[ " $v " == *" $UPLINK "* ]] || r=1
  assert "uplink $UPLINK enslaved to xenbr0" $r "ports: $v"
  v="$(fact "$log" vgs)"
  r=0; [[ -n "$EXPECT_VG" && " $v " == *" $EXPECT_VG "* ]] || r=1
  assert "vgs shows VG ${EXPECT_VG:-(none created on the vg disk)}" $r "vgs: $v"
  # xensetup in the image is the release's single executable and nothing else: no node beside it.
  v="$(fact "$log" node-on-path) | $(fact "$log" xensetup-version)"
  r=0; [[ "$(fact "$log" node-on-path)" == "none "* && "$(fact "$log" xensetup-version)" == "xensetup/"*"(single executable)" ]] || r=1
  assert "xensetup in the image is the single executable: no node on PATH, xensetup --version says single executable" $r "$v"
  assert_equal "xensetup doctor --json exits 0 with valid JSON" "rc=0 json=valid" \
    "$(fact "$log" doctor) json=$(fact "$log" doctor-json | json_eval '"valid"')"
  # What doctor concluded inside the guest: a healthy dom0 by the checks that matter for it. Under TCG
  # there is no HAP/IOMMU; those checks may warn or skip, but nothing may fail.
  v="$(fact "$log" doctor-json | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      try {
        const doc = JSON.parse(s)
        const must = ["xen.running", "xen.dom0", "xen.xl_context", "dom0.xenfs", "dom0.services_enabled", "boot.xen_entry", "boot.default_is_xen", "boot.dom0_mem", "memory.autoballoon", "network.bridge", "network.next_boot"]
        const status = Object.fromEntries(doc.checks.map((c) => [c.id, c.status]))
        const bad = must.filter((id) => status[id] !== "pass").map((id) => `${id}=${status[id]}`)
        const failed = doc.checks.filter((c) => c.status === "fail").map((c) => c.id)
        console.log(`state=${doc.state} failed=${failed.join(",") || "none"} not-passing=${bad.join(",") || "none"}`)
      } catch (e) { console.log(`unreadable: ${e.message}`) }
    })' 2>&1)"
  assert_equal "doctor in the guest: state dom0, no failed check, dom0 checks pass" "state=dom0 failed=none not-passing=none" "$v"
  # The firmware the dom0 was booted by and the loader doctor finds: the UEFI run really went through
  # OVMF and GRUB EFI, the BIOS ones through GRUB from the boot ISO.
  v="$(fact "$log" doctor-json | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      try {
        const boot = JSON.parse(s).facts.boot
        console.log(`firmware=${boot.firmware} loader=${boot.bootloader}`)
      } catch (e) { console.log(`unreadable: ${e.message}`) }
    })' 2>&1)"
  assert_equal "doctor in the guest: booted by ${FIRMWARE:-bios} firmware, through GRUB" "firmware=${FIRMWARE:-bios} loader=grub" "$v"
}

show_probe() { # LOG TITLE
  echo "--- probe lines: $2"
  # A boot whose probe never ran has no lines: that is for the assertions to say, not a reason to stop here.
  probe_lines "$1" | { grep -vE '^(ip-xenbr0|pvs|doctor-json|guest-list-json|doctor-stderr)\|?' || true; } | sed 's/^/  /'
  probe_lines "$1" | { grep -E '^(doctor|guest-list)-json ' || true; } | cut -c1-300 | sed 's/^/  /'
}

# The bridge as the image's network stack brought it up at boot: the uplink's DHCP lease on xenbr0 (QEMU's
# user network leases 10.0.2.15 first), the uplink's MAC on the bridge, the default route over it, and
# QEMU's gateway answering through it.
check_network() { # LOG STACK
  local log="$1" v r
  v="$(probe_lines "$log" | sed -n 's/^ip-addr| //p' | awk '{print $4}' | head -n1)"
  r=0; [[ "$v" == 10.0.2.15/24 ]] || r=1
  assert "network ($2): xenbr0 holds the DHCP address $UPLINK would have had (10.0.2.15/24)" $r "xenbr0: ${v:-none}"
  v="$(fact "$log" xenbr0-mac)"
  r=0; [[ "$v" == "$QEMU_NIC_MAC uplink-mac $QEMU_NIC_MAC" ]] || r=1
  assert "network ($2): xenbr0 carries $UPLINK's MAC ($QEMU_NIC_MAC)" $r "xenbr0: ${v:-none}"
  v="$(fact "$log" route-default)"
  r=0; [[ "$v" == default_via_*_dev_xenbr0* ]] || r=1
  assert "network ($2): the default route goes over xenbr0" $r "${v:-none}"
  v="$(fact "$log" gateway)"
  r=0; [[ "$v" == *" answered" ]] || r=1
  assert "network ($2): QEMU's gateway answers dom0's ping over xenbr0" $r "${v:-<no line>}"
}

# qemu_boot, once more after a TCG hiccup before user space began the boot's work (printed MARKER): the
# guest kernel panicked (seen once on trixie's own kernel, in the negative control xensetup never
# touched), or the boot timed out (seen once on a Debian 12 dom0 kernel that printed nothing more after
# Xen handed over, where the same image had booted before and did again). Once MARKER is out, booting
# again would repeat work half done, so the boot's result stands. The hiccup is logged, listed with the
# results (HICCUPS) and its console kept as LOG.hiccup; a second one fails the boot. An empty MARKER: a
# boot meant never to reach user space, not retried on timeout.
panic_line() { tr -d '\r' <"$1" | grep -a -m1 'Kernel panic' || true; } # LOG
boot_once_more_on_hiccup() { # MARKER, then qemu_boot's arguments
  local marker="$1" rc=0 why="" begun=0
  shift
  qemu_boot "$@" || rc=$?
  [[ -n "$marker" ]] && grep -aq -- "$marker" "$4" && begun=1
  if ((rc == 125 && !begun)); then
    why="the guest kernel panicked: $(panic_line "$4")"
  elif ((rc == 124 && !begun)) && [[ -n "$marker" ]]; then
    why="no \"$marker\" from user space within $5 s"
  fi
  if [[ -n "$why" ]]; then
    cp "$4" "$4.hiccup"
    HICCUPS+=("$(basename "$4"): $why")
    e2e_log "booting again after a TCG hiccup: $why (that console: $4.hiccup)"
    rc=0; qemu_boot "$@" || rc=$?
  fi
  return "$rc"
}

