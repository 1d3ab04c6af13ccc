import type {TextEncoding} from '../host/host.js'

/** One thing that must happen on the host for a step to reach its desired state. */
export type Change = FileChange | CommandChange | LinkChange

export interface FileChange {
  kind: 'file'
  path: string
  /** Current content; null when the file does not exist yet. */
  before: string | null
  /** The content wanted; null removes the file (its original is backed up like any other). */
  after: string | null
  /** How the file's bytes were decoded (latin1 when not UTF-8): the rewrite uses the same, keeping them. */
  encoding?: TextEncoding
  /** Mode for a new file; an existing file keeps its own mode and owner. */
  mode?: number
  /** The content holds a secret (a VNC password): the file ends up readable by its owner only, whatever it was. */
  secret?: true
  why: string
}

export interface CommandChange {
  kind: 'command'
  argv: string[]
  why: string
  /** Extra environment, e.g. for apt; LC_ALL=C and friends are always set. */
  env?: Record<string, string>
  timeoutMs?: number
  /** Files the command rewrites (grub.cfg, grubenv): backed up before it runs, like xensetup's own writes. */
  rewrites?: string[]
  /** Directories the command creates files in under names not known beforehand (LVM's metadata archive): the journal records what appeared, for a rollback to remove. */
  creates?: string[]
  /** The command installs packages (or finishes installing them): files they ship may appear. */
  installs?: true
  /**
   * The command's exit status is its proof (`xl create`: the guest may already have stopped when the
   * step is planned again), so the re-plan after it may still list it.
   */
  once?: true
}

/** A symbolic link made, pointed elsewhere or removed (/etc/xen/auto entries). */
export interface LinkChange {
  kind: 'link'
  path: string
  /** Where the link points now; null when there is none. */
  before: string | null
  /** Where it should point; null removes it. */
  target: string | null
  why: string
}

export type StepStatus = 'changed' | 'unchanged' | 'skipped' | 'failed' | 'interrupted'

/** Two plans of one change agree: same file and contents, or same command line. */
export function sameChange(a: Change, b: Change): boolean {
  if (a.kind === 'file' && b.kind === 'file') return a.path === b.path && a.before === b.before && a.after === b.after
  if (a.kind === 'command' && b.kind === 'command') return a.argv.length === b.argv.length && a.argv.every((arg, i) => arg === b.argv[i])
  if (a.kind === 'link' && b.kind === 'link') return a.path === b.path && a.before === b.before && a.target === b.target
  return false
}
