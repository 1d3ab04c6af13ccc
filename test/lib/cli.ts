import {jest} from '@jest/globals'
import {fileURLToPath} from 'node:url'

export interface CommandOutput {
  stdout: string
  stderr: string
  exitCode: number
  result: unknown
}

const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Runs an oclif command class in-process (no build needed), capturing its output and exit code. */
export async function runCommand(command: {run(argv: string[], root: string): Promise<unknown>}, argv: string[]): Promise<CommandOutput> {
  const stdout: string[] = []
  const stderr: string[] = []
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true))
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true))
  process.exitCode = undefined
  // As installed: oclif warns about development-only matters (e.g. an unparsed command) outside production.
  const nodeEnv = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    const result = await command.run(argv, PACKAGE_ROOT)
    return {stdout: stdout.join(''), stderr: stderr.join(''), exitCode: Number(process.exitCode ?? 0), result}
  } finally {
    process.env.NODE_ENV = nodeEnv
    out.mockRestore()
    err.mockRestore()
  }
}
