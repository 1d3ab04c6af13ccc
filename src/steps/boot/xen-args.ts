import {StepFailure} from '../../engine/step.js'
import {xenOption} from '../../facts/boot.js'
import type {BootEntry} from '../../facts/types.js'
import {dom0MemArgument} from '../../formats/xen-command-line.js'
import type {InitOptions} from '../context.js'

/** What every boot loader backend puts on Xen's command line. */
export interface XenArgs {
  dom0MemMiB: number
  dom0MaxVcpus: string
  /** `dom0_mem=…,max:… dom0_max_vcpus=…` */
  line: string
}

export function xenArgsFor(options: InitOptions): XenArgs {
  const {dom0MemMiB, dom0MaxVcpus} = options
  if (dom0MemMiB === null) throw new StepFailure('no dom0 memory size was given or could be derived; pass --dom0-mem')
  return {dom0MemMiB, dom0MaxVcpus, line: `dom0_mem=${dom0MemArgument(dom0MemMiB)} dom0_max_vcpus=${dom0MaxVcpus}`}
}

/** Whether an entry boots Xen with these options (the last value of each option counts, as Xen reads them). */
export function carriesXenArgs(entry: BootEntry, xen: XenArgs): boolean {
  return entry.dom0Mem === dom0MemArgument(xen.dom0MemMiB) && xenOption(entry, 'dom0_max_vcpus') === xen.dom0MaxVcpus
}
