import {UserError} from '../errors.js'
import {parseMiB} from '../formats/xen-command-line.js'

/** Smallest dom0 the Xen and XenServer docs consider workable; below it dom0 swaps or OOMs. */
export const MIN_DOM0_MIB = 512

/** --dom0-mem in MiB: a size, and one dom0 can live with. */
export function parseDom0Mem(value: string): number {
  const mib = parseMiB(value)
  if (mib === null) {
    throw new UserError(`--dom0-mem ${value} is not a size`, 'write it as e.g. 2048M or 4G (dom0_mem takes MiB or GiB)')
  }
  if (mib < MIN_DOM0_MIB) {
    throw new UserError(`--dom0-mem ${value} is below ${MIN_DOM0_MIB}M`, `give dom0 at least ${MIN_DOM0_MIB}M; 1024M and more is usual`)
  }
  return mib
}

/** dom0 may not take the whole host: guests need the rest, and Xen itself needs some. */
export function checkDom0MemFits(mib: number, hostMiB: number | null): void {
  if (hostMiB !== null && mib >= hostMiB) {
    throw new UserError(
      `--dom0-mem ${mib}M is not less than the host's ${hostMiB} MiB of RAM`,
      `pick a size well below ${hostMiB}M so guests have memory left`,
    )
  }
}
