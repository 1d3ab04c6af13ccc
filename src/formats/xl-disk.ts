/** A guest disk as xl-disk-configuration(5) describes it. */
export interface DiskSpec {
  target: string | null
  vdev: string | null
  /** raw, qcow2, qed, vhd; null when not given (libxl then assumes raw). */
  format: string | null
  access: 'ro' | 'rw'
  cdrom: boolean
  /** The legacy prefix or script that picks the backend: phy, file, tap... */
  backend: string | null
}

const FORMATS = new Set(['raw', 'qcow', 'qcow2', 'qed', 'vhd', 'empty'])

/**
 * One `disk = [...]` entry: `key=value` parameters (`target=` last, taking the rest of the string) and
 * positional ones, `target,format,vdev,access` — without the format when the target carries a deprecated
 * prefix (`phy:`, `file:`, `tap:aio:`, `raw:`), as libxlu assigns them; a vdev may end in `:cdrom`.
 * A CD-ROM is read-only whatever the spec says, as libxl makes it.
 */
export function parseDiskSpec(spec: string): DiskSpec {
  const disk: DiskSpec = {target: null, vdev: null, format: null, access: 'rw', cdrom: false, backend: null}
  const positional: string[] = []
  let rest = spec
  while (rest.length > 0) {
    const targetKey = /^\s*target\s*=/.exec(rest)
    if (targetKey) {
      disk.target = rest.slice(targetKey[0].length).trim()
      break
    }
    const comma = rest.indexOf(',')
    const part = (comma === -1 ? rest : rest.slice(0, comma)).trim()
    rest = comma === -1 ? '' : rest.slice(comma + 1)
    const equals = part.indexOf('=')
    if (equals > 0) keyed(disk, part.slice(0, equals).trim(), part.slice(equals + 1).trim())
    else if (part === 'cdrom' || part === 'devtype=cdrom') disk.cdrom = true
    else positional.push(part)
  }
  if (positional.length > 0) {
    const [target, ...rest] = positional
    // libxlu fills the positional slots in order; the format's is skipped after a deprecated prefix or format=.
    let formatSlot = !setTarget(disk, target) && disk.format === null
    let vdevSlot = disk.vdev === null
    for (const value of rest) {
      if (formatSlot) {
        formatSlot = false
        // xend's empty CD-ROM drive: `,hdc:cdrom,r`.
        if (disk.target === null && value.includes(':')) {
          setVdev(disk, value)
          disk.format = 'empty'
          vdevSlot = false
        } else if (value) disk.format = value
      } else if (vdevSlot) {
        vdevSlot = false
        setVdev(disk, value)
      } else setAccess(disk, value)
    }
  }
  if (disk.cdrom) disk.access = 'ro'
  return disk
}

/** A positional vdev, maybe with the deprecated `:cdrom` / `:disk` suffix. */
function setVdev(disk: DiskSpec, vdev: string): void {
  const colon = vdev.lastIndexOf(':')
  const name = colon === -1 ? vdev : vdev.slice(0, colon)
  if (colon !== -1) disk.cdrom = vdev.slice(colon + 1) === 'cdrom'
  disk.vdev = name || null
}

function keyed(disk: DiskSpec, key: string, value: string): void {
  if (key === 'vdev') disk.vdev = value
  else if (key === 'format') disk.format = value
  else if (key === 'access') setAccess(disk, value)
  else if (key === 'devtype') disk.cdrom = value === 'cdrom'
  else if (key === 'backendtype' || key === 'script') disk.backend = value
}

function setAccess(disk: DiskSpec, access: string): void {
  disk.access = /^(r|ro|read-only)$/i.test(access) ? 'ro' : 'rw'
}

/**
 * A legacy target carries its backend and format as prefixes: `phy:/dev/x`, `tap:aio:/img`, `qcow2:/img`.
 * True when it had one.
 */
function setTarget(disk: DiskSpec, target: string): boolean {
  let rest = target
  for (;;) {
    const match = /^([a-z0-9]+):(?!\/\/)/i.exec(rest)
    if (!match) break
    const prefix = match[1].toLowerCase()
    if (FORMATS.has(prefix)) disk.format = prefix
    else if (prefix !== 'aio') disk.backend = prefix
    rest = rest.slice(match[0].length)
  }
  disk.target = rest || null
  return rest !== target
}
