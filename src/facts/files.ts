import {HostPathError} from '../host/errors.js'
import type {Host} from '../host/host.js'

/**
 * Read access to the target for fact gathering. Unlike Host, a permission error is not fatal: doctor runs
 * unprivileged, and a root-only file (Fedora's 0600 grub.cfg) must degrade to "unknown", not a crash.
 * So must a path that is no file (a FIFO or device planted where /proc/cpuinfo should be, a link loop).
 * Such paths are remembered so the report can say which facts could not be read.
 */
export class HostFiles {
  readonly unreadable: string[] = []

  constructor(private readonly host: Host) {}

  read(path: string): string | undefined {
    return this.guard(path, undefined, () => this.host.read(path))
  }

  /**
   * A file read one character per byte, for package databases: the fields xensetup reads in them are
   * ASCII, and decoding dpkg's megabyte of descriptions as UTF-8 cost more than searching it.
   */
  readLatin1(path: string): string | undefined {
    return this.guard(path, undefined, () => this.host.readBytes(path)?.toString('latin1'))
  }

  /** First line of a file, trimmed (sysfs attributes). */
  value(path: string): string | undefined {
    const text = this.read(path)
    return text === undefined ? undefined : text.split('\n', 1)[0].trim()
  }

  /** Up to `max` raw bytes of a file (EFI variables are binary), undefined when it is missing. */
  bytes(path: string, max: number): Buffer | undefined {
    return this.guard(path, undefined, () => (this.host.kind(path) === 'file' ? this.host.head(path, max) : undefined))
  }

  list(path: string): string[] {
    return this.guard(path, [], () => this.host.list(path))
  }

  exists(path: string): boolean {
    return this.guard(path, false, () => this.host.exists(path))
  }

  /**
   * A file, or a symlink whatever it points to. Config trees are full of absolute links (OpenRC runlevels,
   * systemd unit aliases, Debian's /usr/sbin/xl); under --root those resolve outside the tree, so
   * existence of the link itself is what counts.
   */
  present(path: string): boolean {
    return this.exists(path) || this.readlink(path) !== undefined
  }

  isDirectory(path: string): boolean {
    return this.guard(path, false, () => this.host.isDirectory(path))
  }

  readlink(path: string): string | undefined {
    return this.guard(path, undefined, () => this.host.readlink(path))
  }

  private guard<T>(path: string, fallback: T, action: () => T): T {
    try {
      return action()
    } catch (error) {
      const code = (error as NodeJS.ErrnoException)?.code
      if (code !== 'EACCES' && code !== 'EPERM' && !(error instanceof HostPathError)) throw error
      if (!this.unreadable.includes(path)) this.unreadable.push(path)
      return fallback
    }
  }
}
