import {afterEach} from '@jest/globals'

// oclif's Command.catch sets process.exitCode; without a reset an all-green in-band run exits non-zero.
afterEach(() => {
  process.exitCode = undefined
})
