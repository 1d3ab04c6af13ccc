/** Thrown at the first change boundary after SIGINT or SIGTERM: the run ends there, exit 130. */
export class Interrupted extends Error {
  constructor(readonly where: string) {
    super(`interrupted ${where}`)
  }
}

/**
 * SIGINT and SIGTERM for the whole run: the running command is cancelled through `signal`, and the
 * engine checks `check()` before every change, so the run stops before the next change. A file write is
 * synchronous, so one in progress completes (or, on a crash, is rolled back by the atomic rename).
 */
export class StopSignal {
  private readonly controller = new AbortController()
  private received: NodeJS.Signals | null = null
  private readonly handler = (name: NodeJS.Signals) => {
    this.received ??= name
    this.controller.abort()
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  get requested(): NodeJS.Signals | null {
    return this.received
  }

  listen(): void {
    process.on('SIGINT', this.handler)
    process.on('SIGTERM', this.handler)
  }

  unlisten(): void {
    process.off('SIGINT', this.handler)
    process.off('SIGTERM', this.handler)
  }

  /**
   * Throws Interrupted when a signal came; `where` says what was about to happen. Node runs signal
   * handlers only when its event loop turns, which a run of synchronous file writes never lets it do:
   * one turn is taken first, so a signal that arrived during the previous write is seen here.
   */
  async check(where: string): Promise<void> {
    await this.settle()
    if (this.received) throw new Interrupted(where)
  }

  /** Lets a signal that is already pending reach the handler (before the handlers are removed). */
  async settle(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve))
  }
}
