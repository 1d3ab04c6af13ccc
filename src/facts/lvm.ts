import {type LvmSection, sectionAt} from '../formats/lvm-text.js'

/** Where LVM keeps lvm.conf and its metadata backups on every distribution. */
export const DEFAULT_LVM_SYSTEM_DIR = '/etc/lvm'

/** The environment of every LVM command xensetup runs: its configuration directory, no fd warnings. */
export function lvmEnv(systemDir: string): Record<string, string> {
  return {LVM_SYSTEM_DIR: systemDir, LVM_SUPPRESS_FD_WARNINGS: '1'}
}

/**
 * Where LVM writes its metadata backups: backup/backup_dir from lvmlocal.conf (which overrides lvm.conf)
 * or lvm.conf, else <system dir>/backup. `read` and `parse` say what an unreadable or malformed file
 * means to the caller: a failed step, or an unknown fact.
 */
export function lvmBackupDirectory(systemDir: string, read: (file: string) => string | undefined, parse: (text: string, file: string) => LvmSection): string {
  return configuredDirectory(systemDir, 'backup_dir', read, parse) ?? `${systemDir}/backup`
}

/** Where LVM archives the metadata a command replaces (backup/archive_dir), else <system dir>/archive. */
export function lvmArchiveDirectory(systemDir: string, read: (file: string) => string | undefined, parse: (text: string, file: string) => LvmSection): string {
  return configuredDirectory(systemDir, 'archive_dir', read, parse) ?? `${systemDir}/archive`
}

function configuredDirectory(systemDir: string, key: string, read: (file: string) => string | undefined, parse: (text: string, file: string) => LvmSection): string | undefined {
  for (const file of [`${systemDir}/lvmlocal.conf`, `${systemDir}/lvm.conf`]) {
    const text = read(file)
    if (text === undefined) continue
    const dir = sectionAt(parse(text, file), ['backup'])?.[key]
    if (typeof dir === 'string') return dir
  }
  return undefined
}
