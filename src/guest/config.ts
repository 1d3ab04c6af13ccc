import {xlString} from '../formats/xlcfg.js'
import {renderTemplate} from '../render/template.js'
import type {GuestSpec} from './spec.js'

/** The guest's xl config (xl.cfg(5)) as the template writes it. */
export function renderGuestConfig(spec: GuestSpec): Promise<string> {
  return renderTemplate('guest/guest.cfg', {spec, disks: diskSpecs(spec), q: xlString})
}

/** Disk entries in xl-disk-configuration(5)'s keyed form; `target=` comes last and may hold any character. */
export function diskSpecs(spec: GuestSpec): string[] {
  const disks: string[] = []
  if (spec.disk?.kind === 'lv') disks.push(`format=raw, vdev=xvda, access=rw, target=${spec.disk.device}`)
  if (spec.disk?.kind === 'path') disks.push(`format=${spec.disk.format}, vdev=xvda, access=rw, target=${spec.disk.path}`)
  if (spec.boot.kind === 'iso') disks.push(`format=raw, vdev=hdc, access=ro, devtype=cdrom, target=${spec.boot.iso}`)
  return disks
}
