import {Console} from 'node:console'

// Jest's console decorates output; oclif writes through console.log, so JSON on stdout would break.
globalThis.console = new Console({stdout: process.stdout, stderr: process.stderr})
