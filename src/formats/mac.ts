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
