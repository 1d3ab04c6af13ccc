import type {Check} from './check.js'
import {bootChecks} from './checks/boot.js'
import {cpuChecks} from './checks/cpu.js'
import {hostChecks} from './checks/host.js'
import {guestChecks} from './checks/guests.js'
import {memoryChecks, networkChecks} from './checks/memory-network.js'
import {xenChecks} from './checks/xen.js'

/** Every check, in dependency order: hardware, boot, Xen runtime, dom0, memory, network, guests. */
export const CATALOGUE: Check[] = [...hostChecks, ...cpuChecks, ...bootChecks, ...xenChecks, ...memoryChecks, ...networkChecks, ...guestChecks]
