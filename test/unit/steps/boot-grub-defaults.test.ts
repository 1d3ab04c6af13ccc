import {afterEach, expect, test} from '@jest/globals'
import {StepFailure} from '../../../src/engine/step.js'
import {selectSteps} from '../../../src/steps/index.js'
import {contextFor, machine} from '../../lib/init-context.js'
import {makeTree, removeTree} from '../../lib/tree.js'

const DEBIAN = 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n'
const GRUB = 'GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX=""\n'

let root: string
afterEach(() => removeTree(root))

const planBoot = () => {
  const [boot] = selectSteps(['boot'])
  return boot.plan(contextFor(root))
}

test('a drop-in with an unterminated quote refuses the boot step, naming the file and line', async () => {
  root = makeTree(machine(DEBIAN, {'/etc/default/grub': GRUB, '/etc/default/grub.d/local.cfg': '# local\n\nGRUB_CMDLINE_XEN_DEFAULT="console=vga\n'}))
  const planned = planBoot()
  await expect(planned).rejects.toThrow(StepFailure)
  await expect(planned).rejects.toThrow('/etc/default/grub.d/local.cfg line 3: unterminated quote')
})

test('the same files, quoted properly, plan normally', async () => {
  root = makeTree(machine(DEBIAN, {'/etc/default/grub': GRUB, '/etc/default/grub.d/local.cfg': '# local\n\nGRUB_CMDLINE_XEN_DEFAULT="console=vga"\n'}))
  await expect(planBoot()).resolves.toMatchObject({changes: expect.any(Array)})
})
