#!/usr/bin/env node
// Runs the compiled tree without the manifest: for a development loop use `npm run build` (tsc -w works too).
import {execute} from '@oclif/core'

await execute({development: true, dir: import.meta.url})
