# shellcheck shell=bash
# The boot lab's PV domU: it boots the image's own kernel (/boot/vmlinuz-<ver>) with a tiny
# initramfs built here from the host's static busybox (busybox-static), the Xen block and net front
# ends of that kernel (=m in Debian's config) and guest/guest-init as /init.
# Source it after common.sh.

GUEST_FRONTENDS=(xen-blkfront xen-netfront)

# guest_kernel_version ROOT -> the version of the one kernel in ROOT/boot
guest_kernel_version() {
  local k
  k="$(find "$1/boot" -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sort -V | tail -n1)"
  [[ -n "$k" ]] || { e2e_log "no kernel in $1/boot"; return 1; }
  echo "${k#vmlinuz-}"
}

# guest_modules_dir ROOT VERSION -> ROOT's modules directory for VERSION (/lib or /usr/lib)
guest_modules_dir() {
  local d
  for d in "$1/lib/modules/$2" "$1/usr/lib/modules/$2"; do
    [[ -f "$d/modules.dep" ]] && { echo "$d"; return 0; }
  done
  e2e_log "no modules.dep for $2 in $1"; return 1
}

# guest_module_paths MODDIR NAME... -> the modules' files relative to MODDIR, each after the
# modules it depends on, each once. modules.dep lists a module's whole dependency closure, the
# module loaded last first (modprobe inserts them back to front).
guest_module_paths() {
  local dir="$1" name line deps i seen=" "; shift
  for name in "$@"; do
    line="$(grep -E "(^|/)${name}\.ko(\.(xz|zst|gz))?:" "$dir/modules.dep" | head -n1)"
    [[ -n "$line" ]] || { e2e_log "module $name not in $dir/modules.dep"; return 1; }
    read -r -a deps <<<"${line#*:}"
    for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
      [[ "$seen" == *" ${deps[i]} "* ]] || { echo "${deps[i]}"; seen+="${deps[i]} "; }
    done
    [[ "$seen" == *" ${line%%:*} "* ]] || { echo "${line%%:*}"; seen+="${line%%:*} "; }
  done
}

# guest_module_unpack SRC DEST.ko: busybox insmod takes only plain .ko files (trixie ships .ko.xz).
guest_module_unpack() {
  case "$1" in
    *.ko.xz) xz -dc "$1" >"$2" ;;
    *.ko.zst) zstd -q -dc "$1" >"$2" ;;
    *.ko.gz) gzip -dc "$1" >"$2" ;;
    *) cp "$1" "$2" ;;
  esac
}

# guest_initrd_build ROOT OUT: the domU's initramfs (gzip'd newc cpio) for the kernel in ROOT.
guest_initrd_build() {
  local root="$1" out="$2" ver moddir modules stage rel name
  # The guest has no libc: a dynamically linked busybox (package busybox) would not start as /init.
  if ldd /bin/busybox >/dev/null 2>&1; then e2e_log "/bin/busybox is not static: apt-get install busybox-static"; return 1; fi
  ver="$(guest_kernel_version "$root")"
  moddir="$(guest_modules_dir "$root" "$ver")"
  modules="$(guest_module_paths "$moddir" "${GUEST_FRONTENDS[@]}")"
  stage="$(mktemp -d)"
  chmod 755 "$stage"
  mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,lib/modules}
  install -m 755 /bin/busybox "$stage/bin/busybox"
  ln -s busybox "$stage/bin/sh"
  install -m 755 "$E2E_DIR/guest/guest-init" "$stage/init"
  mknod -m 600 "$stage/dev/console" c 5 1
  for rel in $modules; do
    name="$(basename "$rel")"; name="${name%%.ko*}"
    guest_module_unpack "$moddir/$rel" "$stage/lib/modules/$name.ko"
    echo "$name" >>"$stage/lib/modules/load-order"
  done
  mkdir -p "$(dirname "$out")"
  (cd "$stage" && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -9 >"$out"
  e2e_log "guest initramfs for $ver: modules $(tr '\n' ' ' <"$stage/lib/modules/load-order")($(du -k "$out" | cut -f1) KiB)"
  rm -rf "$stage"
}

# guest_empty_iso OUT: a valid, empty ISO 9660 image for the HVM guest's CD drive (parse check only).
guest_empty_iso() {
  local stage
  stage="$(mktemp -d)"
  xorriso -as mkisofs -quiet -V XENSETUP_E2E -o "$1" "$stage" 2>/dev/null
  rm -rf "$stage"
}
