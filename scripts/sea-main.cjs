// The executable's entry (scripts/dist.js makes it the single executable application's main script).
// It runs the bundle, embedded as an asset, with V8's code for the functions a `doctor` run compiles:
// without them every function is compiled from source at its first call, and that was a quarter of
// doctor's time. Node's own `useCodeCache` keeps only the code compiled before anything runs.
//
// Run by node instead (`node scripts/sea-main.cjs BUNDLE CACHE ARGS...`, from dist.js), it runs the
// bundle with ARGS and writes that code to CACHE. Both ways compile the bundle through compile(), so
// the cache is made for exactly the text it is used with.
const vm = require('node:vm')

function compile(source, cachedData) {
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source.replace(/^#!.*/, '')}\n})`
  // import() as in any CommonJS module; without a loader, vm's scripts throw at one.
  return new vm.Script(wrapped, {filename: 'xensetup.cjs', cachedData, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER})
}

/** Runs the bundle as node would run it as this module: its exports, require and file name. */
function start(script, filename) {
  script.runInThisContext().call(module.exports, module.exports, require, module, filename, require('node:path').dirname(filename))
}

const sea = require('node:sea')
if (sea.isSea()) {
  const script = compile(sea.getAsset('xensetup.cjs', 'utf8'), Buffer.from(sea.getAsset('xensetup.cache')))
  // For dist.js and the tests: a cache V8 turns down (another node, other V8 flags) only costs speed.
  if (process.argv[2] === '__code-cache') process.stdout.write(script.cachedDataRejected ? 'rejected\n' : 'accepted\n')
  else start(script, process.execPath)
} else {
  const [bundle, cache, ...args] = process.argv.slice(2)
  const fs = require('node:fs')
  const script = compile(fs.readFileSync(bundle, 'utf8'))
  process.argv = [process.argv[0], bundle, ...args]
  process.on('exit', () => fs.writeFileSync(cache, script.createCachedData()))
  start(script, bundle)
}
