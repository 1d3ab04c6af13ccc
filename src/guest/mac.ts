import {createHash} from 'node:crypto'
import {XEN_OUI} from '../formats/mac.js'

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
