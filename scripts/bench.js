#!/usr/bin/env node
// Start-up and plan speed, as the median wall time of whole CLI runs next to `node -e 0` in the same
// run (targets: doctor <= 3x node's start-up; init --dry-run, a converged init and guest list <= 0.5 s).
// Usage: npm run bench [-- --runs N] [--converged-root DIR --init-args "--uplink ens3 --dom0-mem 1024M ..."]
// (a converged root: one that `xensetup init --root DIR` with the same arguments has configured).
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const args = process.argv.slice(2)
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const runs = Number(option('--runs', 21))
const convergedRoot = option('--converged-root', undefined)
const initArgs = option('--init-args', '').split(' ').filter(Boolean)
const cli = fileURLToPath(new URL('../bin/run.js', import.meta.url))

if (!existsSync(new URL('../oclif.manifest.json', import.meta.url))) {
  console.error('bench: run `npm run build` first (the manifest is part of what is measured)')
  process.exit(2)
}

function median(argv) {
  const times = []
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint()
    const result = spawnSync(process.execPath, argv, {stdio: ['ignore', 'ignore', 'pipe']})
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
    if (result.status !== 0 && result.status !== 1) {
      console.error(`bench: ${argv.join(' ')} exited ${result.status}: ${result.stderr}`)
      process.exit(1)
    }
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]
}

const node = median(['-e', '0'])
const rows = [
  ['node -e 0', node, null],
  ['xensetup doctor', median([cli, 'doctor']), {ratio: 3}],
  ['xensetup init --dry-run', median([cli, 'init', '--dry-run']), {ms: 500}],
  ['xensetup guest list', median([cli, 'guest', 'list']), {ms: 500}],
]
if (convergedRoot) {
  rows.push(['xensetup init --yes (converged --root)', median([cli, 'init', '--yes', '--root', convergedRoot, ...initArgs]), {ms: 500}])
  rows.push(['xensetup init --dry-run (converged --root)', median([cli, 'init', '--dry-run', '--root', convergedRoot, ...initArgs]), {ms: 500}])
}

let missed = 0
for (const [name, ms, target] of rows) {
  let verdict = ''
  if (target?.ratio) {
    const ratio = ms / node
    verdict = `${ratio.toFixed(2)}x node (target <= ${target.ratio}x) ${ratio <= target.ratio ? 'ok' : 'MISSED'}`
    if (ratio > target.ratio) missed++
  } else if (target?.ms) {
    verdict = `target <= ${target.ms} ms ${ms <= target.ms ? 'ok' : 'MISSED'}`
    if (ms > target.ms) missed++
  }
  console.log(`${name.padEnd(40)} ${ms.toFixed(1).padStart(8)} ms  ${verdict}`)
}
if (!convergedRoot) console.log('(converged init not measured: pass --converged-root DIR, a root init has configured)')
console.log(`median of ${runs} runs each`)
process.exit(missed > 0 ? 1 : 0)
