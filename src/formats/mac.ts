import {createHash} from 'node:crypto'

/** The Xen project's OUI: libxl makes up addresses in it, and admins recognise guests by it. */
export const XEN_OUI = '00:16:3e'

/** Six hex octets separated by ':' or '-', lower-cased with ':'; null when it is not a MAC address. */
export function parseMac(text: string): string | null {
  const octets = text.trim().split(/[:-]/)
  if (octets.length !== 6 || !octets.every((octet) => /^[0-9a-f]{1,2}$/i.test(octet))) return null
  return octets.map((octet) => octet.padStart(2, '0').toLowerCase()).join(':')
}

/** An address a NIC may own: not multicast/broadcast (low bit of the first octet) and not all zero. */
export function isUnicast(mac: string): boolean {
  return (Number.parseInt(mac.slice(0, 2), 16) & 1) === 0 && mac !== '00:00:00:00:00:00'
}

/**
 * A stable address for a guest: the Xen OUI and three bytes of a hash of its name, so re-running the
 * same command gives the same MAC; the next hash is taken while the address is taken. The fourth octet
 * stays below 0x80, as in the random addresses libxl makes up.
 */
export function macForName(name: string, taken: ReadonlySet<string>): string {
  for (let attempt = 0; ; attempt++) {
    const digest = createHash('sha256').update(attempt === 0 ? name : `${name}#${attempt}`).digest()
    const tail = [digest[0] & 0x7f, digest[1], digest[2]].map((byte) => byte.toString(16).padStart(2, '0'))
    const mac = `${XEN_OUI}:${tail.join(':')}`
    if (!taken.has(mac)) return mac
  }
}
