import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command.js'

export default class GuestCreate extends BaseCommand {
  static action = 'guest:create' as const

  static summary = 'Write a guest\'s xl config (/etc/xen/NAME.cfg), carve its disk out of the volume group, and start it.'

  static description = `Same engine as init: the plan shows the config as a diff and the commands; --dry-run changes nothing; a re-run with the same flags changes nothing, other flags show what changes.
The type is chosen from the install source and the CPU when --type is not given, and the plan says why.
Refusals (one line, a hint, exit 2, or 3 when the CPU cannot, 4 when it would be unsafe): a missing VG, bridge, ISO or kernel; an LV of that name with another size; a disk larger than the VG's free space; memory above the host's; --nested on PV/PVH or without EPT/NPT; VNC on a non-loopback address without a password; a MAC another guest has.`

  static examples = [
    '<%= config.bin %> guest create web1 --kernel /srv/debian/vmlinuz --ramdisk /srv/debian/initrd.gz --type pv --disk 10G --memory 1G --start',
    '<%= config.bin %> guest create win1 --iso /srv/iso/installer.iso --disk 40G --memory 4G --vcpus 2 --vnc',
    '<%= config.bin %> guest create l1 --iso /srv/iso/xen-host.iso --disk 20G --memory 4G --nested --hide-hypervisor --vnc',
  ]

  static args = {name: Args.string({required: true, description: 'Guest (domain) name: letters, digits, ".", "_", "-".'})}

  static flags = {
    'dry-run': Flags.boolean({summary: 'Show the plan (config diff, commands) and change nothing.'}),
    out: Flags.string({summary: 'With --dry-run: also write the plan to this file, for review and `xensetup apply FILE`.'}),
    yes: Flags.boolean({char: 'y', summary: 'Do not ask before applying.'}),
    type: Flags.string({summary: 'pv, pvh or hvm (default: hvm with --iso, pvh with --kernel on a CPU with VT-x/AMD-V, else pv).', options: ['pv', 'pvh', 'hvm']}),
    memory: Flags.string({summary: 'Guest memory, e.g. 512M or 2G.', default: '1G'}),
    vcpus: Flags.string({summary: 'Virtual CPUs.', default: '1'}),
    disk: Flags.string({summary: 'Create logical volume NAME-disk of this size in --vg, e.g. 20G.', exclusive: ['disk-path']}),
    'disk-path': Flags.string({summary: 'Use this LV, partition or image file (raw, qcow2, vhd: detected) as the disk.'}),
    vg: Flags.string({summary: 'Volume group for --disk.', default: 'vg0'}),
    iso: Flags.string({summary: 'Installer ISO as a CD-ROM (HVM; boots from it, then from the disk).'}),
    kernel: Flags.string({summary: 'Boot this kernel directly (PV or PVH).'}),
    ramdisk: Flags.string({summary: 'Initial ramdisk for --kernel (xl calls it ramdisk, not initrd).'}),
    extra: Flags.string({summary: 'Kernel command line for --kernel or pygrub, e.g. "console=hvc0 root=/dev/xvda1".'}),
    bootloader: Flags.string({summary: 'PV boot from the guest\'s own /boot (default for PV without --kernel: pygrub, else pvgrub2).', options: ['pygrub', 'pvgrub2']}),
    bridge: Flags.string({summary: 'Bridge for the guest\'s NIC.', default: 'xenbr0'}),
    mac: Flags.string({summary: 'MAC address (default: 00:16:3e plus three bytes from the name, unique among /etc/xen configs).'}),
    vnc: Flags.boolean({summary: 'Graphical console over VNC on 127.0.0.1 (HVM, or a PV framebuffer).'}),
    'vnc-listen': Flags.string({summary: 'Address VNC listens on; other than loopback it needs --vnc-password.'}),
    'vnc-password': Flags.string({summary: 'VNC password (at most 8 characters; the config is then readable by root only).'}),
    nested: Flags.boolean({summary: 'Let the guest run a hypervisor (hap=1, nestedhvm=1; HVM, needs EPT/NPT).'}),
    'hide-hypervisor': Flags.boolean({summary: 'Clear the CPUID hypervisor bit (VMware ESXi or Hyper-V as the nested hypervisor).'}),
    autostart: Flags.boolean({summary: 'Start it at boot: link it into /etc/xen/auto for xendomains.'}),
    start: Flags.boolean({summary: 'Start it now (xl create).'}),
    console: Flags.boolean({summary: 'With --start, attach to its console afterwards (Ctrl-] leaves).', dependsOn: ['start']}),
  }
}
