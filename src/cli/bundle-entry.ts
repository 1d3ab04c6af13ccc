/**
 * The release bundle's entry (scripts/dist.js builds release/xensetup.cjs from it): the same CLI as
 * bin/run.js, with oclif set up from what the bundle holds instead of the package directory.
 */
import {main} from './main.js'

void main(process.argv.slice(2), async (argv) => (await import('./bundled-oclif.js')).runOclif(argv))
