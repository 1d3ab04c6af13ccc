import {describe, expect, it} from '@jest/globals'

import {parseKernelConfig} from '../../../src/facts/kernel.js'
import {fixture} from './fixtures.js'

describe('parseKernelConfig', () => {
  it('reads set options and leaves "is not set" ones out', () => {
    const config = parseKernelConfig(fixture('debian-12', '/boot/config-6.1.0-28-amd64'))
    expect(config.CONFIG_XEN_DOM0).toBe('y')
    expect(config.CONFIG_XEN_NETDEV_BACKEND).toBe('m')
    expect(config).not.toHaveProperty('CONFIG_XEN_DEBUG_FS')
    expect(parseKernelConfig(fixture('rocky-9', '/boot/config-5.14.0-427.40.1.el9_4.x86_64'))).not.toHaveProperty('CONFIG_XEN_DOM0')
  })
})
