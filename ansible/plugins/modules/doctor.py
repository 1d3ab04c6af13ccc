#!/usr/bin/python
# -*- coding: utf-8 -*-
# MIT License (see the xensetup repository)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: doctor
short_description: Xen readiness and health checks of a host, as data
description:
  - Runs C(xensetup doctor --json) on the managed host. It reads files only and runs no tool, so it
    changes nothing and is the same in check mode.
  - Returns every check (PASS, WARN, FAIL or SKIP, what it found, the fix) and a summary.
  - With C(fail_on) the task fails when a check has that status or a worse one, naming the checks
    and their fixes; without it, it never fails on a check, so a play can branch on the data.
version_added: 0.1.0
author: xensetup developers
extends_documentation_fragment:
  - xensetup.dom0.target
options:
  fail_on:
    description:
      - C(fail) fails the task when a check failed; C(warn) also when one warned.
      - Unset, the checks are returned and the task does not fail on them.
    type: str
    choices: [warn, fail]
notes:
  - Supports C(check_mode).
seealso:
  - module: xensetup.dom0.init
'''

EXAMPLES = r'''
- name: The dom0 is healthy after the reboot into Xen
  xensetup.dom0.doctor:
    fail_on: fail

- name: Readiness of the fleet, as data
  xensetup.dom0.doctor:
  register: doctor

- name: Hosts whose CPU cannot run HVM guests
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }}: {{ doctor.by_id['cpu.virtualization'].detail }}"
  when: doctor.by_id['cpu.virtualization'].status == 'fail'
'''

RETURN = r'''
checks:
  description: Each check with its id, category, title, status (pass, warn, fail, skip), detail and fix.
  returned: always
  type: list
  elements: dict
  sample:
    - id: boot.xen_entry
      category: boot
      title: GRUB has a Xen entry
      status: pass
      detail: Debian GNU/Linux, with Xen hypervisor
      fix: null
by_id:
  description: The same checks keyed by their id.
  returned: always
  type: dict
summary:
  description: Counts per status and the verdict (ready, warnings, failed, ...).
  returned: always
  type: dict
  sample: {pass: 15, warn: 3, fail: 0, skip: 13, verdict: warnings}
state:
  description: What doctor found the host to be, C(bare) (no Xen), C(installed) (not running), C(dom0) or C(domU).
  returned: always
  type: str
facts:
  description: The facts the checks were made from (distribution, CPU, memory, boot entries, Xen, network).
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.xensetup.dom0.plugins.module_utils.xensetup import COMMON_OPTIONS, run_json

# A check at one of these statuses fails the task for each fail_on.
FAILING = dict(fail=('fail',), warn=('fail', 'warn'))


def main():
    module = AnsibleModule(
        argument_spec=dict(COMMON_OPTIONS, fail_on=dict(type='str', choices=['warn', 'fail'])),
        supports_check_mode=True,
    )
    # doctor exits 1 when a check fails: that is data here, not an error of the run.
    document, rc = run_json(module, ['doctor'])
    checks = document.get('checks', [])
    result = dict(
        changed=False,
        checks=checks,
        by_id=dict((check['id'], check) for check in checks),
        summary=document.get('summary', {}),
        state=document.get('state'),
        facts=document.get('facts', {}),
    )
    fail_on = module.params['fail_on']
    if fail_on:
        bad = [check for check in checks if check.get('status') in FAILING[fail_on]]
        if bad:
            result['msg'] = '; '.join(
                '%s %s: %s%s' % (check['status'].upper(), check['id'], check.get('detail'),
                                  ' (fix: %s)' % check['fix'] if check.get('fix') else '') for check in bad)
            module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
