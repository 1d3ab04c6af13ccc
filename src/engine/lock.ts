import path from 'node:path'
import {HostFiles} from '../facts/files.js'
import {LOCK, lockHolderAlive, parseLockRecord, processStartTicks} from '../facts/run-state.js'
import type {LockRecord} from '../facts/types.js'
import {HostPathError} from '../host/errors.js'
import type {Host} from '../host/host.js'

export {LOCK}

export type LockOutcome = {held: LockRecord} | {acquired: true; stale: LockRecord | null}

const UNREADABLE: LockRecord = {pid: 0, startTicks: null, startedAt: 'unknown', command: 'unknown', made: []}

/** Beside a file whose holder is gone: whoever creates it may replace that file; everyone else waits their turn. */
const claimOf = (file: string) => `${file}.takeover`

/**
 * How many claims deep a takeover may go. The lock's claim (lock.takeover) may itself be left by a run
 * killed in the instant it held it: that one is taken over under lock.takeover.takeover. A run killed
 * while doing that too leaves a claim nobody removes on their own: it is named for the admin to remove.
 */
const MAX_DEPTH = 1

/** A file that exists but is not yet readable as a record is one being written: looked at again this often. */
const SETTLE_TRIES = 5
const SETTLE_MS = 60

/** A file as read, `record` undefined when its text is not a lock record (empty, garbage). */
interface Seen {
  text: string
  record: LockRecord | undefined
}

/**
 * One run per target: a lock file in the target's own state directory, so every path to the same tree
 * finds it. A lock whose process is gone (killed, machine rebooted) is stale: it is taken over, and what
 * that run had made is handed back for cleaning.
 *
 * Taking over is a compare-and-remove: of the runs that found the same stale lock, only the one holding
 * its claim file (lock.takeover, made with O_EXCL) may remove it, and only after reading it again under
 * the claim and finding it still a dead holder's. A run that read the stale lock earlier and comes late
 * finds the winner's live lock then, and reports it held: it never removes a live run's lock.
 */
export class RunLock {
  private record: LockRecord | undefined
  /** The lock file's text as this run last wrote it: release and noteMade touch only that. */
  private written: string | undefined
  /** Directories on the way to the lock that did not exist before this run, deepest first. */
  private madeDirectories: string[] = []
  private readonly localFiles: HostFiles

  constructor(
    private readonly target: Host,
    /** The machine whose processes hold locks: the one running xensetup. */
    local: Host,
  ) {
    this.localFiles = new HostFiles(local)
  }

  acquire(command: string): LockOutcome {
    const mine: LockRecord = {
      pid: process.pid,
      startTicks: processStartTicks(this.localFiles.read(`/proc/${process.pid}/stat`)),
      startedAt: new Date().toISOString(),
      command,
      made: [],
    }
    const text = `${JSON.stringify(mine)}\n`
    this.madeDirectories = missingDirectories(this.target, path.posix.dirname(LOCK))
    const outcome = this.take(LOCK, text, 0)
    if ('acquired' in outcome) {
      this.record = mine
      this.written = text
    }
    return outcome
  }

  /** Records, before it is made, something the run puts in the target and removes at its end. */
  noteMade(target: string): void {
    if (!this.record || !this.holdsOwn()) return
    this.record.made.push(target)
    const text = `${JSON.stringify(this.record)}\n`
    this.target.write(LOCK, text, 'utf8', {mode: 0o600, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0})
    this.written = text
  }

  /**
   * Removes the lock only while it is still this run's own: never another run's. A run that changed
   * nothing (refused, cancelled, failed at planning) also takes away the state directories it made.
   */
  release(): void {
    if (this.record && this.holdsOwn()) {
      this.target.remove(LOCK)
      for (const directory of this.madeDirectories) if (!this.target.removeEmptyDirectory(directory)) break
    }
    this.record = undefined
    this.written = undefined
  }

  private holdsOwn(): boolean {
    try {
      return this.written !== undefined && this.readKnown(LOCK)?.text === this.written
    } catch (error) {
      if (error instanceof HostPathError) return false
      throw error
    }
  }

  /**
   * Creates `file` holding `text`, taking it over when its holder is gone. Run again when the file
   * vanishes between looking and creating (its holder released it).
   */
  private take(file: string, text: string, depth: number): LockOutcome {
    let last: LockRecord = UNREADABLE
    for (let attempt = 0; attempt < 5; attempt++) {
      if (this.createChecked(file, text)) return {acquired: true, stale: null}
      const seen = this.readSettled(file)
      if (seen === undefined) continue // released meanwhile: try to create it again
      if (seen.record && lockHolderAlive(this.localFiles, seen.record)) return {held: seen.record}
      last = seen.record ?? UNREADABLE
      const outcome = this.takeOverDead(file, text, depth)
      if (outcome !== 'again') return outcome
    }
    // Other runs kept taking and releasing it under our hands: one of them is the run of the moment.
    return {held: last}
  }

  /**
   * The compare-and-remove of a file found held by a run that is gone: under its claim, read again and
   * replaced only if it is still a dead holder's.
   */
  private takeOverDead(file: string, text: string, depth: number): LockOutcome | 'again' {
    if (depth > MAX_DEPTH) {
      throw new HostPathError(
        this.target.display(file),
        `was left by a xensetup run killed while it took over ${this.target.display(LOCK)}; when no xensetup run is going on, remove it (rm ${this.target.display(file)}) and run again`,
      )
    }
    const claim = claimOf(file)
    const claimed = this.take(claim, text, depth + 1)
    if ('held' in claimed) return claimed // another run is taking it over right now
    try {
      const now = this.readSettled(file)
      if (now === undefined) return 'again' // released meanwhile: create it as usual
      if (now.record && lockHolderAlive(this.localFiles, now.record)) return {held: now.record}
      this.target.remove(file)
      if (this.createChecked(file, text)) return {acquired: true, stale: now.record ?? UNREADABLE}
      // Created meanwhile by a run that found it gone, which needs no claim: that run holds it.
      return {held: this.readSettled(file)?.record ?? UNREADABLE}
    } finally {
      if (this.readKnown(claim)?.text === text) this.target.remove(claim)
    }
  }

  /** createExclusive, refusing a path that is no lock file (a directory, FIFO, link) in one line. */
  private createChecked(file: string, text: string): boolean {
    if (this.target.createExclusive(file, text, 0o600)) return true
    this.readKnown(file) // throws for what is not a file
    return false
  }

  /**
   * The file's text and record. A file not (yet) a record is looked at again for a moment: an exclusive
   * create and its write are two steps, and a run between them is alive. Still not one after that, it is
   * what a run killed in between left, or not a lock at all.
   */
  private readSettled(file: string): Seen | undefined {
    let seen = this.readKnown(file)
    for (let tries = 0; seen !== undefined && seen.record === undefined && tries < SETTLE_TRIES; tries++) {
      sleep(SETTLE_MS)
      seen = this.readKnown(file)
    }
    return seen
  }

  /** The file's text, undefined when it does not exist; anything but a regular file is refused by name. */
  private readKnown(file: string): Seen | undefined {
    const shown = this.target.display(file)
    const refuse = (problem: string, remove = 'rm') => new HostPathError(shown, `${problem}, not a lock file xensetup made: remove it (${remove} ${shown}) and run again`)
    if (this.target.readlink(file) !== undefined) throw refuse('is a symbolic link')
    if (this.target.isDirectory(file)) throw refuse('is a directory', 'rm -r')
    let text: string | undefined
    try {
      text = this.target.read(file)
    } catch (error) {
      if (!(error instanceof HostPathError)) throw error
      // "is not a regular file (a FIFO)" says what it is: "is a FIFO".
      const kind = /^is not a regular file \((.+)\)$/.exec(error.problem)?.[1]
      throw refuse(kind ? `is ${kind}` : error.problem)
    }
    return text === undefined ? undefined : {text, record: parseLockRecord(text)}
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/** `directory` and its ancestors that do not exist yet, deepest first. */
function missingDirectories(host: Host, directory: string): string[] {
  const missing: string[] = []
  for (let current = directory; current !== '/' && !host.exists(current); current = path.posix.dirname(current)) missing.push(current)
  return missing
}
