import type {Change} from '../engine/change.js'
import type {Step} from '../engine/step.js'
import {readVgLayout} from '../guest/volume-group.js'
import type {UninstallContext} from './uninstall-context.js'
import {removeEmptyVg} from './remove-vg.js'

/**
 * The volume group init created stays: it may hold guests' disks. --remove-vg removes it with the
 * physical volume labels and the metadata directory init's runs made, only while it holds no logical
 * volume (refused otherwise).
 */
export const volumeGroupUndoStep: Step<UninstallContext> = {
  id: 'volume-group',
  title: 'Volume group for guest disks',
  async plan({host, machine, probe, history, options, lvmSystemDir}) {
    const names = [...new Set(history.volumeGroups)]
    if (!options.removeVg) {
      const kept = names.flatMap((name) => {
        const layout = readVgLayout(host, lvmSystemDir, name)
        return layout ? [`${name} (${layout.lvs.size} logical volume${layout.lvs.size === 1 ? '' : 's'})`] : []
      })
      return kept.length > 0 ? {skip: `kept: ${kept.join(', ')}; --remove-vg removes it once it holds no logical volume`} : {changes: [], state: 'no volume group of xensetup\'s'}
    }
    const changes: Change[] = []
    for (const vgName of names) {
      const why = `--remove-vg: xensetup created ${vgName} and it holds no logical volume`
      changes.push(...(await removeEmptyVg({host, machine, probe, systemDir: lvmSystemDir, vgName, pvDevices: [...new Set(history.pvDevices)], createdDirs: history.lvmDirectories, why})))
    }
    return {changes, state: names.length === 0 ? 'no volume group of xensetup\'s' : undefined}
  },
}
