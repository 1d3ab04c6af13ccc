import type {VgLayout} from '../formats/lvm-vg.js'
import type {RunningDomain} from '../formats/xl-list.js'
import type {Host} from '../host/host.js'
import type {GuestSpec} from './spec.js'

/** What the guest steps plan from; made afresh for each plan. */
export interface GuestContext {
  host: Host
  spec: GuestSpec
  /** The volume group of the guest's LV, as its metadata backup says now. */
  vg: VgLayout | null
  /** Domains the running toolstack has; null when there is none to ask (a --root target, no Xen). */
  running: RunningDomain[] | null
}
