import {describe, expect, it} from '@jest/globals'

import {configSaysDom0} from '../../../src/facts/kernel.js'
import {fixture} from './fixtures.js'

describe('configSaysDom0', () => {
  it('is the exact line 20_linux_xen greps for: set to y, not a commented "is not set"', () => {
    expect(configSaysDom0(fixture('debian-12', '/boot/config-6.1.0-28-amd64'))).toBe(true)
    expect(configSaysDom0(fixture('rocky-9', '/boot/config-5.14.0-427.40.1.el9_4.x86_64'))).toBe(false)
    expect(configSaysDom0('CONFIG_XEN=y\n# CONFIG_XEN_DOM0 is not set\nCONFIG_XEN_DOM0_EXTRA=y\n')).toBe(false)
    expect(configSaysDom0('CONFIG_XEN=y\nCONFIG_XEN_PRIVILEGED_GUEST=y\n')).toBe(true)
  })
})
