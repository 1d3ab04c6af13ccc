import {describe, expect, test} from '@jest/globals'
import {EXIT} from '../../../src/errors.js'
import {requireLive, xlFailure} from '../../../src/guest/xl-commands.js'
import {Host} from '../../../src/host/host.js'

describe('xl failures as one line with a hint', () => {
  test('the line that says what went wrong, without libxl\'s prefix, and the hint for a known message', () => {
    const output = [
      'Parsing config from /etc/xen/l1.cfg',
      'libxl: error: libxl_create.c:720:libxl__domain_make: domain creation fail: Invalid argument',
      'libxl: error: libxl_create.c:1327:initiate_domain_create: cannot make domain: -3',
    ].join('\n')
    const error = xlFailure('xl create /etc/xen/l1.cfg', output)
    expect(error.message).toBe('xl create /etc/xen/l1.cfg: libxl_create.c:1327:initiate_domain_create: cannot make domain: -3')
    expect(error.hint).toMatch(/VT-x\/AMD-V or EPT\/NPT/)
    expect(error.exitCode).toBe(EXIT.failure)
  })

  test('no toolstack or no root: "cannot init xl context" says to use sudo on a running dom0', () => {
    const error = xlFailure('xl shutdown -w web1', 'xencall: error: Could not obtain handle on privileged command interface: No such file or directory\nlibxl: error: libxl.c:102:libxl_ctx_alloc: cannot open libxc handle: No such file or directory\ncannot init xl context')
    expect(error.message).toBe('xl shutdown -w web1: cannot init xl context')
    expect(error.hint).toMatch(/root on a running dom0 with xenfs mounted/)
  })

  test('a guest that is not running', () => {
    expect(xlFailure('xl shutdown -w web1', "Domain 'web1' does not exist.").hint).toMatch(/not running/)
  })

  test('an unknown message still gives its last line and where to look', () => {
    const error = xlFailure('xl create /etc/xen/x.cfg', 'Parsing config from /etc/xen/x.cfg\nsomething odd happened')
    expect(error.message).toBe('xl create /etc/xen/x.cfg: something odd happened')
    expect(error.hint).toMatch(/\/var\/log\/xen/)
    expect(xlFailure('xl create /etc/xen/x.cfg', '').message).toBe('xl create /etc/xen/x.cfg: xl failed without a message')
  })

  test('start, stop and console refuse a --root target: it has no running Xen', () => {
    expect(() => requireLive(new Host('/tmp'))).toThrow(/act on this machine's running Xen, not on --root \/tmp/)
    expect(() => requireLive(new Host('/'))).not.toThrow()
  })
})
