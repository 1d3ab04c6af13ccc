import type {JournalRun} from './runs.js'

/** A file as a run found it and left it. */
export interface FileEffect {
  path: string
  /** The step that last wrote it, or whose command last rewrote it. */
  step: string
  /** Where the run backed up the file's original; null when there was no file before the run. */
  backup: string | null
  /**
   * sha256 of the file after the run's last write or command (null: the run left no file there);
   * undefined when nothing recorded it (files LVM created under names of its own).
   */
  left: string | null | undefined
}

export interface LinkEffect {
  path: string
  /** Where the link pointed before the run (null: no link). */
  before: string | null
  /** Where the run left it pointing. */
  target: string | null
}

export interface CommandEffect {
  step: string
  argv: string[]
  exitCode: number
}

/** What one run changed, from its journal entries: enough to list it and to undo it. */
export interface RunEffects {
  files: FileEffect[]
  links: LinkEffect[]
  commands: CommandEffect[]
  /** Packages its commands newly installed (dpkg targets only). */
  packages: string[]
  /** Directories its commands made for the files they wrote (LVM's backup directory). */
  directories: string[]
  /** Volume groups its vgcreate made, and the devices its pvcreate labelled (commands that succeeded). */
  volumeGroups: string[]
  physicalVolumes: string[]
}

export function runEffects(run: JournalRun): RunEffects {
  const files = new Map<string, FileEffect>()
  const links = new Map<string, LinkEffect>()
  const commands: CommandEffect[] = []
  const packages = new Set<string>()
  const directories = new Set<string>()
  // The first sighting of a path names its original; every later one what the run left there.
  const sawFile = (step: string, path: string, backup: string | null, left: string | null | undefined) => {
    const known = files.get(path)
    files.set(path, {path, step, backup: known ? known.backup : backup, left})
  }
  for (const entry of run.entries) {
    if (entry.kind === 'file') sawFile(entry.step, entry.path, entry.backup, entry.sha256)
    else if (entry.kind === 'link') links.set(entry.path, {path: entry.path, before: links.get(entry.path)?.before ?? entry.before, target: entry.target})
    else if (entry.kind === 'packages') for (const name of entry.installed) packages.add(name)
    else if (entry.kind === 'command') {
      commands.push({step: entry.step, argv: entry.argv, exitCode: entry.exitCode})
      for (const [path, backup] of Object.entries(entry.backups)) sawFile(entry.step, path, backup, entry.left?.[path])
      for (const path of entry.createdFiles ?? []) if (!files.has(path)) sawFile(entry.step, path, null, undefined)
      for (const dir of entry.createdDirs ?? []) directories.add(dir)
    }
  }
  const succeeded = commands.filter((command) => command.exitCode === 0)
  // vgcreate [options] NAME DEVICE and pvcreate DEVICE: init names one device.
  const volumeGroups = succeeded.filter((command) => command.argv[0] === 'vgcreate' && command.argv.length >= 3).map((command) => command.argv.at(-2) as string)
  const physicalVolumes = succeeded.filter((command) => command.argv[0] === 'pvcreate').map((command) => command.argv.at(-1) as string)
  return {files: [...files.values()], links: [...links.values()], commands, packages: [...packages].sort(), directories: [...directories], volumeGroups, physicalVolumes}
}

/** Every path the run wrote, removed, linked or had a command rewrite. */
export function touchedPaths(effects: RunEffects): string[] {
  return [...effects.files.map((file) => file.path), ...effects.links.map((link) => link.path)]
}

/** The run changed the target (a run that only planned, or found everything done, journals nothing). */
export function changedSomething(effects: RunEffects): boolean {
  return effects.files.length > 0 || effects.links.length > 0 || effects.commands.length > 0
}
