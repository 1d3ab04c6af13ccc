/**
 * Xen's own command line (xen-command-line(7)) and its dom0_mem= value: the one place dom0's fixed size
 * is parsed and formatted, for the facts that read it, init that chooses it and the boot step that writes it.
 */

/** The value of a `name=value` option: the last one, as Xen reads its command line left to right. */
export function xenOptionValue(commandLine: string, name: string): string | undefined {
  return commandLine
    .split(/\s+/)
    .findLast((word) => word.startsWith(`${name}=`))
    ?.slice(name.length + 1)
}

const MIB_PER_UNIT: Record<string, number> = {M: 1, G: 1024, T: 1024 * 1024}

/** "2048M", "2048MiB", "2G", "2GB", "1T", "2048" (MiB) as MiB; null when it is not such a size. */
export function parseMiB(value: string): number | null {
  const match = /^(\d+)\s*(?:([MGT])(?:i?B)?)?$/i.exec(value.trim())
  return match ? Number(match[1]) * MIB_PER_UNIT[(match[2] ?? 'M').toUpperCase()] : null
}

/** dom0's fixed size in a dom0_mem value ("4096M,max:4096M", "4G"): its first plain size. */
export function dom0MemMiB(dom0Mem: string): number | null {
  return dom0Mem.split(',').map(parseMiB).find((mib) => mib !== null) ?? null
}

/** The dom0_mem value that fixes dom0 at `mib`: the same maximum, so it never balloons up again. */
export function dom0MemArgument(mib: number): string {
  return `${mib}M,max:${mib}M`
}
