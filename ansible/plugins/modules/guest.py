#!/usr/bin/python
# -*- coding: utf-8 -*-
# MIT License (see the xensetup repository)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: guest
short_description: Xen guests (domUs) with xensetup guest create and remove
description:
  - C(state=present) runs C(xensetup guest create NAME --yes --json). It writes the xl config in
    C(/etc/xen/NAME.cfg), an LVM disk when C(disk) is given, the autostart link, and with C(start) the
    running domain. Run again with the same options it changes nothing; with other options it rewrites
    the config (the old one is backed up).
  - C(state=absent) runs C(xensetup guest remove NAME --yes --json). It removes the config, the autostart link and
    with C(delete_disk) the guest's logical volume.
  - xensetup refuses what would be unsafe, such as VNC on an address other than loopback without a
    password; the task then fails with its message and hint.
  - In check mode nothing is changed (C(--dry-run)); in diff mode the config's diff is shown.
version_added: 0.1.0
author: xensetup developers
extends_documentation_fragment:
  - xensetup.dom0.target
options:
  name:
    description: Guest (domain) name.
    type: str
    required: true
  state:
    description: Whether the guest should exist.
    type: str
    choices: [present, absent]
    default: present
  type:
    description: Virtualization mode. Default is hvm with C(iso), pvh with C(kernel) on a CPU with VT-x/AMD-V, else pv.
    type: str
    choices: [pv, pvh, hvm]
  memory:
    description: Guest memory, such as C(512M) or C(2G).
    type: str
  vcpus:
    description: Virtual CPUs.
    type: int
  disk:
    description: Create the logical volume NAME-disk of this size in C(vg), such as C(20G).
    type: str
  disk_path:
    description: Use this logical volume, partition or image file (raw, qcow2, vhd) as the disk.
    type: str
  vg:
    description: Volume group for C(disk) (and of the volume C(delete_disk) removes).
    type: str
  iso:
    description: Installer ISO as a CD-ROM (HVM).
    type: str
  kernel:
    description: Boot this kernel directly (PV or PVH).
    type: str
  ramdisk:
    description: Initial ramdisk for C(kernel).
    type: str
  extra:
    description: Kernel command line for C(kernel) or pygrub.
    type: str
  bootloader:
    description: PV boot from the guest's own /boot.
    type: str
    choices: [pygrub, pvgrub2]
  bridge:
    description: Bridge for the guest's NIC (xensetup's default is xenbr0).
    type: str
  mac:
    description: MAC address. Default is 00:16:3e plus three bytes from the name, unique among the configs in /etc/xen.
    type: str
  vnc:
    description: Graphical console over VNC on 127.0.0.1.
    type: bool
    default: false
  vnc_listen:
    description: Address VNC listens on; other than loopback it needs C(vnc_password).
    type: str
  vnc_password:
    description: VNC password (at most 8 characters; the config is then readable by root only).
    type: str
  nested:
    description: Let the guest run a hypervisor (HVM, needs EPT/NPT).
    type: bool
    default: false
  hide_hypervisor:
    description: Clear the CPUID hypervisor bit (for ESXi or Hyper-V nested).
    type: bool
    default: false
  autostart:
    description: Start it at boot with xendomains.
    type: bool
    default: false
  start:
    description: Start it now (xl create) when it is not running.
    type: bool
    default: false
  delete_disk:
    description: With C(state=absent), also destroy the guest's logical volume(s).
    type: bool
    default: false
notes:
  - Supports C(check_mode) and C(diff_mode).
seealso:
  - module: xensetup.dom0.init
'''

EXAMPLES = r'''
- name: A PV guest on a new 20G logical volume, started with the host
  xensetup.dom0.guest:
    name: web1
    memory: 2G
    vcpus: 2
    disk: 20G
    vg: vg0
    autostart: true
    start: true

- name: An HVM installer with VNC reachable from the admin network
  xensetup.dom0.guest:
    name: win1
    type: hvm
    iso: /srv/iso/installer.iso
    disk: 60G
    vnc: true
    vnc_listen: 10.0.0.5
    vnc_password: "{{ vault_vnc_password }}"

- name: Gone, with its disk
  xensetup.dom0.guest:
    name: old1
    state: absent
    delete_disk: true
'''

RETURN = r'''
changed_steps:
  description: Steps that changed the target (in check mode, that would), such as disk, config, autostart, start.
  returned: always
  type: list
  elements: str
run:
  description: The run's id in the target's journal; null when nothing changed or in check mode.
  returned: always
  type: str
steps:
  description: Each step with its status, state and changes (the config with its diff, commands as argv).
  returned: always
  type: list
  elements: dict
guest:
  description: With C(state=present), the guest as xensetup planned it (type, memory, disk, boot, bridge, MAC).
  returned: when state is present
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.xensetup.dom0.plugins.module_utils.xensetup import (
    COMMON_OPTIONS, exit_with_run, flag_args, run_json)

# guest create's options, each the flag of its name (disk_path: --disk-path).
CREATE_OPTIONS = dict(
    type=dict(type='str', choices=['pv', 'pvh', 'hvm']),
    memory=dict(type='str'),
    vcpus=dict(type='int'),
    disk=dict(type='str'),
    disk_path=dict(type='str'),
    vg=dict(type='str'),
    iso=dict(type='str'),
    kernel=dict(type='str'),
    ramdisk=dict(type='str'),
    extra=dict(type='str'),
    bootloader=dict(type='str', choices=['pygrub', 'pvgrub2']),
    bridge=dict(type='str'),
    mac=dict(type='str'),
    vnc=dict(type='bool', default=False),
    vnc_listen=dict(type='str'),
    vnc_password=dict(type='str', no_log=True),
    nested=dict(type='bool', default=False),
    hide_hypervisor=dict(type='bool', default=False),
    autostart=dict(type='bool', default=False),
    start=dict(type='bool', default=False),
)
# guest remove's (vg is also create's).
REMOVE_OPTIONS = ['delete_disk', 'vg']


def main():
    module = AnsibleModule(
        argument_spec=dict(
            COMMON_OPTIONS,
            name=dict(type='str', required=True),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            delete_disk=dict(type='bool', default=False),
            **CREATE_OPTIONS
        ),
        mutually_exclusive=[('disk', 'disk_path')],
        supports_check_mode=True,
    )
    if module.params['state'] == 'present':
        argv = ['guest', 'create', '--yes'] + flag_args(module, CREATE_OPTIONS)
    else:
        argv = ['guest', 'remove', '--yes'] + flag_args(module, REMOVE_OPTIONS)
    if module.check_mode:
        argv.append('--dry-run')
    document, rc = run_json(module, argv, module.params['name'])
    extra = dict(guest=document['guest']) if 'guest' in document else {}
    exit_with_run(module, document, rc, **extra)


if __name__ == '__main__':
    main()
