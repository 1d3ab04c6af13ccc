# -*- coding: utf-8 -*-
# MIT License (see the xensetup repository)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The options every module has: which xensetup runs, and on which target (module_utils' COMMON_OPTIONS).
    DOCUMENTATION = r'''
options:
  executable:
    description:
      - Path of the xensetup executable on the managed host.
      - Default is C(xensetup) on PATH, or in C(/usr/local/bin).
    type: path
  root:
    description:
      - Directory standing for the target machine, such as a mounted image (C(--root)). Commands that
        change it run inside it; the host running the module is not changed.
    type: path
    default: /
'''
