/**
 * A target path xensetup will not read or write as asked: a FIFO or device where a file is expected, a
 * dangling link where a file is written, a file too large to be configuration, a symlink loop. Steps
 * turn it into a failure naming the path; doctor reports the fact as unreadable.
 */
export class HostPathError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
    /** ENOENT where the kernel would say so too: callers that treat a missing file as absent still do. */
    readonly code?: 'ENOENT',
  ) {
    super(`${path} ${problem}`)
  }
}

export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR'
}
