#!/usr/bin/env node
// Plain command lines run their action without loading oclif (see src/cli/main.ts); oclif gets the rest.
import {main} from '../dist/cli/main.js'

await main(process.argv.slice(2), async (args) => {
  const {execute} = await import('@oclif/core')
  await execute({args, dir: import.meta.url})
})
