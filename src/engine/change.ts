/** One thing that must happen on the host for a step to reach its desired state. */
export type Change = FileChange | CommandChange

export interface FileChange {
  kind: 'file'
  path: string
  /** Current content; null when the file does not exist yet. */
  before: string | null
  after: string
  /** Mode for a new file; an existing file keeps its own mode and owner. */
  mode?: number
  why: string
}

export interface CommandChange {
  kind: 'command'
  argv: string[]
  why: string
  /** Extra environment, e.g. for apt; LC_ALL=C and friends are always set. */
  env?: Record<string, string>
  timeoutMs?: number
}

export type StepStatus = 'changed' | 'unchanged' | 'skipped' | 'failed'
