# -*- coding: utf-8 -*-
# MIT License (see the xensetup repository)
"""Running xensetup with --json from a module, and its run document as an Ansible result.

A run document (init, guest create, guest remove) is
  {mode: apply|dry-run, root, run, result, notices, steps: [{id, status, state, reason, error, changes}]}
where a dry run's steps that would change something are "pending", and a change is a file with its
unified diff or a command as argv. A refusal or a bad value is {error: {message, hint, exitCode}}.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

# Where the host role installs the executable when it is not on PATH.
DEFAULT_DIRS = ['/usr/local/bin']

# Documented by the doc fragment xensetup.dom0.target.
COMMON_OPTIONS = dict(
    executable=dict(type='path'),
    root=dict(type='path', default='/'),
)


def executable(module):
    """The xensetup to run: the executable option, or xensetup on PATH (or in /usr/local/bin)."""
    given = module.params.get('executable')
    if given:
        if not os.access(given, os.X_OK):
            module.fail_json(msg='%s is not an executable file' % given,
                             hint='install xensetup there (the host role copies it) or set executable')
        return given
    return module.get_bin_path('xensetup', required=True, opt_dirs=DEFAULT_DIRS)


def flag_args(module, options):
    """argv for OPTIONS (names, or the spec that holds them), each the flag of its name (dom0_mem:
    --dom0-mem): strings and numbers as values, true booleans bare, lists as one comma-separated value
    (xensetup's --only/--skip take that form)."""
    argv = []
    for option in options:
        flag = '--' + option.replace('_', '-')
        value = module.params.get(option)
        if value is None or value is False or value == []:
            continue
        if value is True:
            argv.append(flag)
        elif isinstance(value, list):
            argv.extend([flag, ','.join(str(v) for v in value)])
        else:
            argv.extend([flag, str(value)])
    return argv


def run_json(module, argv, name=None):
    """Run xensetup ARGV --json --root ROOT [NAME]; the parsed document and the exit code. Output that is
    no JSON document fails the task with what xensetup printed. A NAME that starts with "-" comes after
    "--", so xensetup judges it by its rule for names rather than as a flag."""
    command = [executable(module)] + argv + ['--json', '--root', module.params['root']]
    if name is not None:
        command += ['--', name] if name.startswith('-') else [name]
    rc, out, err = module.run_command(command, environ_update={'NO_COLOR': '1'})
    try:
        document = json.loads(out)
    except ValueError:
        module.fail_json(msg='xensetup printed no JSON document (exit %d): %s' % (rc, (err or out).strip()[-2000:]),
                         rc=rc, cmd=command)
    if isinstance(document, dict) and isinstance(document.get('error'), dict):
        fail_with_error(module, document['error'], rc, command)
    return document, rc


def fail_with_error(module, error, rc, command):
    """xensetup's one line and its hint, as the task's message."""
    message = error.get('message', 'xensetup failed')
    hint = error.get('hint')
    module.fail_json(msg='%s (hint: %s)' % (message, hint) if hint else message,
                     hint=hint, rc=error.get('exitCode', rc), cmd=command)


def changed_steps(document):
    """Steps that changed the target, or in a dry run would. A run refused at its plan leaves its steps
    pending: they changed nothing; and a plan with a failed step would apply nothing."""
    steps = document.get('steps', [])
    if document.get('mode') == 'dry-run':
        if any(step.get('status') == 'failed' for step in steps):
            return []
        return [step['id'] for step in steps if step.get('status') == 'pending']
    return [step['id'] for step in steps if step.get('status') == 'changed']


def file_diffs(document, changed):
    """Each planned or made change of the CHANGED steps as an Ansible diff: a file's unified diff as
    xensetup computed it (passwords hidden), a step's commands as the argv lines it runs."""
    diffs = []
    for step in document.get('steps', []):
        if step['id'] not in changed:
            continue
        commands = []
        for change in step.get('changes', []):
            if change.get('kind') == 'file':
                diffs.append(dict(prepared=change['diff']))
            elif change.get('kind') == 'command':
                commands.append('$ %s\n' % ' '.join(change['argv']))
            elif change.get('kind') == 'link':
                diffs.append(dict(prepared='%s -> %s\n' % (change['path'], change.get('target') or '(removed)')))
        if commands:
            diffs.append(dict(prepared='# %s: commands\n%s' % (step['id'], ''.join(commands))))
    return diffs


def exit_with_run(module, document, rc, **extra):
    """The task's result from a run document: changed when a step changed (or would), the diffs in diff
    mode, and a failed step or run fails the task with its step's error."""
    steps = document.get('steps', [])
    changed = changed_steps(document)
    result = dict(
        changed=bool(changed),
        changed_steps=changed,
        run=document.get('run'),
        result=document.get('result'),
        mode=document.get('mode'),
        notices=document.get('notices', []),
        steps=steps,
        rc=rc,
    )
    result.update(extra)
    if module._diff:
        result['diff'] = file_diffs(document, changed)
    failed = [step for step in steps if step.get('status') in ('failed', 'interrupted') or step.get('error')]
    if rc != 0 or document.get('result') not in ('ok', 'planned'):
        reasons = ['%s: %s' % (step['id'], step.get('error') or step.get('status')) for step in failed]
        result['msg'] = '; '.join(reasons) or 'xensetup ended with %s (exit %d)' % (document.get('result'), rc)
        module.fail_json(**result)
    module.exit_json(**result)
