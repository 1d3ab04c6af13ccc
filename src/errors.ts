/** Exit codes, documented in the README: automation branches on them. */
export const EXIT = {
  ok: 0,
  /** a step failed (init) or a check failed (doctor) */
  failure: 1,
  /** bad flags, bad values, bad --root */
  usage: 2,
  /** the host's distribution or CPU cannot run what was asked */
  unsupported: 3,
  /** refused to act because it could destroy data or cut the network (see the hint) */
  refused: 4,
  /** a kept plan no longer matches the target (drift, another version or target), or its file was edited */
  drift: 5,
  /** another xensetup run holds the target's lock (EX_TEMPFAIL: try again later) */
  busy: 75,
  /** a run that changes this machine needs root */
  notRoot: 77,
  interrupted: 130,
} as const

/** A problem with what the admin asked for: one line, a hint, no stack trace. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message)
  }
}
