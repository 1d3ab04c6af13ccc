import {writeSync} from 'node:fs'

/** Where output goes: fd 1, process.stdout once fd 1 would block, nowhere once the reader is gone. */
let route: 'descriptor' | 'stream' | 'gone' = 'descriptor'

/**
 * Writes to file descriptor 1 itself. Creating process.stdout builds a stream for the kind of output it
 * is (a pipe's is a net.Socket), about 2 ms of doctor's 15. Writes stay synchronous, as process.stdout's
 * are on Linux for files, pipes and terminals, so output through both keeps its order. A reader that
 * went away (EPIPE: `| head`, quitting less) drops the rest, as oclif does.
 */
export function writeOut(text: string): void {
  let rest = Buffer.from(text)
  while (rest.length > 0 && route === 'descriptor') {
    try {
      rest = rest.subarray(writeSync(1, rest))
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EPIPE') route = 'gone'
      // A descriptor left non-blocking, and full: from now on process.stdout queues and waits for the reader.
      else if (code === 'EAGAIN') route = 'stream'
      else throw error
    }
  }
  if (route === 'stream' && rest.length > 0) process.stdout.write(rest)
}

/**
 * process.stdout, once oclif, listr2 or inquirer creates it, drops output after EPIPE instead of
 * crashing a run midway with its lock held. Set up without creating the stream for commands that never
 * use it: node defines process.stdout as a getter that makes the stream on first use.
 */
export function dropOutputWhenReaderGoes(): void {
  const original = Object.getOwnPropertyDescriptor(process, 'stdout')
  const make = original?.get
  if (original === undefined || make === undefined) {
    process.stdout.on('error', ignoreEpipe)
    return
  }
  let watched = false
  Object.defineProperty(process, 'stdout', {
    ...original,
    get() {
      const stream = make.call(process) as NodeJS.WriteStream
      if (!watched) stream.on('error', ignoreEpipe)
      watched = true
      return stream
    },
  })
}

function ignoreEpipe(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') throw error
}
