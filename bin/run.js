#!/usr/bin/env node
// Plain `doctor` runs skip loading oclif (it costs more than node's own start-up): see src/cli/fast-doctor.ts.
const manifest = new URL('../oclif.manifest.json', import.meta.url)
const argv = process.argv.slice(2)
const [command, ...rest] = argv
const handled =
  (command === 'doctor' && (await import('../dist/cli/fast-doctor.js')).fastDoctor(rest, manifest)) ||
  (argv.includes('--json') && (await import('../dist/cli/unknown-command.js')).unknownCommandAsJson(argv, manifest))

if (!handled) {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
