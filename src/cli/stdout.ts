import {writeSync} from 'node:fs'

/**
 * Whether process.stdout exists: from then on writeOut writes through it too, since listr2 takes its
 * write over while tasks run, and on a pipe it queues what the reader has not taken yet.
 */
let streamInUse = false
let readerGone = false

/**
 * Writes to file descriptor 1 itself while nothing else writes to stdout: creating process.stdout builds
 * a stream for the kind of output it is (a pipe's is a net.Socket), about 2 ms of doctor's 15. A reader
 * that went away (EPIPE: `| head`, quitting less) drops the rest, as oclif does.
 */
export function writeOut(text: string): void {
  if (readerGone) return
  if (streamInUse) {
    process.stdout.write(text)
    return
  }
  let rest = Buffer.from(text)
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(1, rest))
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EPIPE') readerGone = true
      // A descriptor left non-blocking, and full: process.stdout queues and waits for the reader.
      else if (code === 'EAGAIN') process.stdout.write(rest)
      else throw error
      return
    }
  }
}

/**
 * process.stdout, once oclif, listr2 or inquirer creates it, drops output after EPIPE instead of
 * crashing a run midway with its lock held, and carries writeOut's output from then on. Set up without
 * creating the stream for commands that never use it: node defines process.stdout as a getter that
 * makes the stream on first use.
 */
export function dropOutputWhenReaderGoes(): void {
  const original = Object.getOwnPropertyDescriptor(process, 'stdout')
  const make = original?.get
  if (original === undefined || make === undefined) {
    watch(process.stdout)
    return
  }
  Object.defineProperty(process, 'stdout', {
    ...original,
    get() {
      const stream = make.call(process) as NodeJS.WriteStream
      if (!streamInUse) watch(stream)
      return stream
    },
  })
}

function watch(stream: NodeJS.WriteStream): void {
  streamInUse = true
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
  })
}
