#!/usr/bin/env node
// Plain `doctor` runs skip loading oclif (it costs more than node's own start-up): see src/cli/fast-doctor.ts.
const manifest = new URL('../oclif.manifest.json', import.meta.url)
const [command, ...rest] = process.argv.slice(2)
const handled = command === 'doctor' && (await import('../dist/cli/fast-doctor.js')).fastDoctor(rest, manifest)

if (!handled) {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
