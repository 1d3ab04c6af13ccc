import type {Step} from '../engine/step.js'
import type {UninstallContext} from './uninstall-context.js'
import {XL_CONF} from '../steps/xenfs.js'
import {type OwnedEdit, stateOf, undoFile, withoutBlock} from './uninstall-files.js'

const FSTAB = '/etc/fstab'
const OURS = /^autoballoon="off"$/
/** The line upstream's xl.conf ships in its place: xl's own default, commented. */
const SHIPPED = '#autoballoon="auto"'

/** The xenfs mount line and xl's autoballoon setting as they were before xensetup. */
export const xenfsUndoStep: Step<UninstallContext> = {
  id: 'xenfs',
  title: 'xenfs mount line and xl.conf\'s autoballoon as before',
  plan(context) {
    const changes = [
      ...undoFile(context, FSTAB, withoutBlock(FSTAB, 'xenfs'), 'xensetup\'s xenfs mount line'),
      ...undoFile(context, XL_CONF, autoballoonBack(context), 'xensetup turned autoballoon off'),
    ]
    return {changes, state: stateOf(context, [FSTAB, XL_CONF])}
  },
}

/**
 * Without the original, xensetup's `autoballoon="off"` goes back to the shipped commented default. Only
 * where the journal says xensetup edited the file: the same line written by the admin stays theirs.
 */
function autoballoonBack({history}: UninstallContext): OwnedEdit {
  return (text) => {
    if (history.writtenBy.get(XL_CONF) !== 'xenfs') return text
    return text
      .split('\n')
      .map((line) => (OURS.test(line) ? SHIPPED : line))
      .join('\n')
  }
}
