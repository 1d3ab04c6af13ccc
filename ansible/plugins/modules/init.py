#!/usr/bin/python
# -*- coding: utf-8 -*-
# MIT License (see the xensetup repository)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: init
short_description: Make a host (or a mounted image) a Xen dom0 with xensetup init
description:
  - Runs C(xensetup init --yes --json) on the managed host. It sets up Xen's packages, a GRUB Xen entry with a
    fixed dom0_mem made the default, the Xen services, xenfs and xl.conf, the xenbr0 bridge and an LVM
    volume group, each changed only where it differs. A converged host reports C(changed=false).
  - Every changed file is backed up and the run journaled on the target
    (C(xensetup history), C(xensetup rollback RUN) undo it).
  - In check mode it runs C(xensetup init --dry-run), so nothing is changed or run on the target, and
    C(changed) says whether the run would change something.
  - In diff mode each file xensetup writes (or would) is shown as a unified diff, and each step's
    commands as argv lines.
  - A refusal (a C(vg_device) that holds data, an unsupported distribution, another run holding the
    target's lock) or a failed step fails the task with xensetup's one-line message and hint.
  - It does not reboot; the C(xensetup.dom0.host) role reboots when C(boot_changed) says so.
version_added: 0.1.0
author: xensetup developers
extends_documentation_fragment:
  - xensetup.dom0.target
options:
  dom0_mem:
    description: Fixed dom0 memory, such as C(2048M) or C(4G). Default is 1 GiB + 5% of RAM, at most 8 GiB; required with a C(root) other than C(/).
    type: str
  dom0_max_vcpus:
    description: dom0 vCPUs, a count or a C(min-max) range.
    type: str
  uplink:
    description: Interface xenbr0 takes over. Default is the interface of the default route.
    type: str
  vg_device:
    description: Empty disk for the guests' LVM volume group. Without it the lvm step is skipped.
    type: str
  vg_name:
    description: Volume group name.
    type: str
  force_wipe:
    description: Allow C(vg_device) to carry a file system or partition table, which is wiped.
    type: bool
    default: false
  apply_network:
    description:
      - Also move the running network onto xenbr0 now, on trial for C(revert_after) seconds.
      - The switch is put back unless C(xensetup confirm-network) is run in time (a later task reaching the host proves the network).
    type: bool
    default: false
  revert_after:
    description: With C(apply_network), seconds (10 to 3600) before an unconfirmed switch is put back.
    type: int
  trial_boot:
    description: Boot Xen once (grub-reboot); a failed boot falls back to the old default. Run again without it to keep Xen.
    type: bool
    default: false
  only:
    description: Run only these steps.
    type: list
    elements: str
    choices: [packages, boot, services, xenfs, bridge, lvm]
  skip:
    description: Leave these steps out.
    type: list
    elements: str
    choices: [packages, boot, services, xenfs, bridge, lvm]
notes:
  - Supports C(check_mode) and C(diff_mode).
  - The target's distribution must be one xensetup supports (C(xensetup doctor) says).
seealso:
  - module: xensetup.dom0.doctor
  - module: xensetup.dom0.guest
'''

EXAMPLES = r'''
- name: Make the host a Xen dom0 with a 4 GiB dom0 and guests on /dev/sdb
  xensetup.dom0.init:
    dom0_mem: 4G
    vg_device: /dev/sdb
  register: dom0

- name: Reboot into Xen when the boot entry changed
  ansible.builtin.reboot:
    reboot_timeout: 1800
  when: dom0.boot_changed

- name: Configure a mounted image from the controller
  xensetup.dom0.init:
    root: /mnt/image
    dom0_mem: 2048M
    uplink: ens3
  delegate_to: localhost
'''

RETURN = r'''
changed_steps:
  description: Steps that changed the target (in check mode, that would).
  returned: always
  type: list
  elements: str
  sample: [packages, boot, bridge]
boot_changed:
  description: Whether the boot entry changed (or would), so a reboot is due.
  returned: always
  type: bool
run:
  description: The run's id in the target's journal, for C(xensetup history) and C(xensetup rollback); null when nothing changed or in check mode.
  returned: always
  type: str
  sample: 20261203T093807Z-21802
result:
  description: C(ok), C(planned) (check mode), C(failed), C(cancelled) or C(interrupted).
  returned: always
  type: str
steps:
  description: Each step with its status (changed, unchanged, skipped, pending in check mode, failed), its state, and its changes (files with their diff, commands as argv).
  returned: always
  type: list
  elements: dict
notices:
  description: xensetup's notes for the admin (such as a network switch on trial).
  returned: always
  type: list
  elements: str
hint:
  description: On a refusal, what to do about it.
  returned: failure
  type: str
rc:
  description: xensetup's exit code, documented in its README (1 a step failed, 2 a bad value, 3 unsupported, 4 refused, 75 another run holds the lock).
  returned: always
  type: int
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.xensetup.dom0.plugins.module_utils.xensetup import (
    COMMON_OPTIONS, changed_steps, exit_with_run, flag_args, run_json)

STEPS = ['packages', 'boot', 'services', 'xenfs', 'bridge', 'lvm']

# init's options, each the flag of its name (dom0_mem: --dom0-mem).
INIT_OPTIONS = dict(
    dom0_mem=dict(type='str'),
    dom0_max_vcpus=dict(type='str'),
    uplink=dict(type='str'),
    vg_device=dict(type='str'),
    vg_name=dict(type='str'),
    force_wipe=dict(type='bool', default=False),
    apply_network=dict(type='bool', default=False),
    revert_after=dict(type='int'),
    trial_boot=dict(type='bool', default=False),
    only=dict(type='list', elements='str', choices=STEPS),
    skip=dict(type='list', elements='str', choices=STEPS),
)


def main():
    module = AnsibleModule(
        argument_spec=dict(COMMON_OPTIONS, **INIT_OPTIONS),
        mutually_exclusive=[('only', 'skip')],
        supports_check_mode=True,
    )
    argv = ['init', '--yes'] + flag_args(module, INIT_OPTIONS)
    if module.check_mode:
        argv.append('--dry-run')
    document, rc = run_json(module, argv)
    exit_with_run(module, document, rc, boot_changed='boot' in changed_steps(document))


if __name__ == '__main__':
    main()
