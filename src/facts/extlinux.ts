import {xenOptionValue} from '../formats/xen-command-line.js'
import type {BootEntry} from './types.js'

export interface ExtlinuxConfig {
  entries: BootEntry[]
  /** LABEL of the entry booted without interaction. */
  defaultLabel: string | null
}

const menuModules = /^(vesa)?menu\.c32$/i

/**
 * extlinux.conf / syslinux.cfg (Alpine's update-extlinux). Keywords are case-insensitive. Xen is booted
 * through mboot.c32 (KERNEL or, as update-extlinux writes it, COM32) with
 * `APPEND xen.gz <xen args> --- vmlinuz <kernel args> --- initramfs`.
 */
export function parseExtlinuxConf(text: string): ExtlinuxConfig {
  const labels: Array<{label: string; title?: string; kernel?: string; append?: string; menuDefault: boolean}> = []
  let defaultValue: string | null = null
  for (const raw of text.split('\n')) {
    const match = /^\s*(menu\s+label|menu\s+default|\S+)\s*(.*)$/i.exec(raw)
    if (!match || raw.trim().startsWith('#')) continue
    const keyword = match[1].toLowerCase().replace(/\s+/, ' ')
    const value = match[2].trim()
    const current = labels.at(-1)
    if (keyword === 'label') labels.push({label: value, menuDefault: false})
    else if (keyword === 'default') defaultValue = value
    else if (current && keyword === 'menu label') current.title = value
    else if (current && keyword === 'menu default') current.menuDefault = true
    else if (current && (keyword === 'kernel' || keyword === 'linux' || keyword === 'com32')) current.kernel = value
    else if (current && keyword === 'append') current.append = value
  }

  const entries = labels.map((label, index): BootEntry => {
    const entry: BootEntry = {title: label.title ?? label.label, id: label.label, indexPath: String(index), submenus: [], isXen: false}
    const [hypervisorPart, kernelPart] = (label.append ?? '').split(/\s+---\s+/)
    if (label.kernel && /mboot\.c32$/i.test(label.kernel) && /(^|\/)xen[^ ]*\s*/.test(hypervisorPart)) {
      entry.isXen = true
      entry.xenArgs = hypervisorPart.split(/\s+/).slice(1).join(' ')
      const dom0Mem = xenOptionValue(entry.xenArgs, 'dom0_mem')
      if (dom0Mem !== undefined) entry.dom0Mem = dom0Mem
      entry.kernelArgs = (kernelPart ?? '').split(/\s+/).slice(1).join(' ')
    } else if (label.append !== undefined) {
      entry.kernelArgs = label.append
    }
    return entry
  })

  // DEFAULT may name a label, or a menu module, in which case MENU DEFAULT (else the first label) wins.
  const named = defaultValue && !menuModules.test(defaultValue) ? defaultValue : null
  const defaultLabel = named ?? labels.find((label) => label.menuDefault)?.label ?? labels[0]?.label ?? null
  return {entries, defaultLabel}
}
