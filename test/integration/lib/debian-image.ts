import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const REPO = fileURLToPath(new URL('../../..', import.meta.url))
const DEBIAN_ROOT = path.join(REPO, 'test/lib/debian-root.sh')
const DISK_IMAGE = path.join(REPO, 'test/e2e/lib/disk-image.sh')

/** Real-system tests need root (chroot, mount, losetup); CI runs as root, so they run there. */
export const asRoot = process.getuid?.() === 0

function sh(argv: string[]): string {
  return execFileSync(argv[0], argv.slice(1), {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']}).trim()
}

/**
 * A fresh Debian server root (kernel, GRUB tooling, no Xen) in a partitioned disk image, loop-mounted
 * the way a real disk is, so grub-probe inside `init --root`'s chroot resolves the root device.
 */
export class DebianImage {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'xensetup-image-'))
  readonly mnt = path.join(this.dir, 'mnt')
  readonly image = path.join(this.dir, 'root.img')
  readonly vgImage = path.join(this.dir, 'vg.img')
  vgDevice = ''

  constructor(readonly suite: string) {}

  create(): void {
    const tree = path.join(this.dir, 'tree')
    sh(['bash', DEBIAN_ROOT, this.suite, tree])
    sh(['bash', DISK_IMAGE, 'create', tree, this.image, '4096'])
    rmSync(tree, {recursive: true, force: true})
    sh(['bash', DISK_IMAGE, 'mount', this.image, this.mnt])
    sh(['bash', DISK_IMAGE, 'blank', this.vgImage, '256'])
    this.vgDevice = sh(['bash', DISK_IMAGE, 'attach', this.vgImage])
  }

  /** Always safe to call: unmounts, detaches and removes whatever exists. */
  destroy(): void {
    for (const argv of [
      ['bash', DISK_IMAGE, 'umount', this.mnt],
      // The VG lives only in the image file and the chroot's /etc/lvm: detaching is all it takes.
      ['bash', DISK_IMAGE, 'detach', this.vgImage],
    ]) {
      try {
        execFileSync(argv[0], argv.slice(1), {stdio: 'ignore'})
      } catch {
        // cleanup of what may not exist
      }
    }
    rmSync(this.dir, {recursive: true, force: true})
  }
}
