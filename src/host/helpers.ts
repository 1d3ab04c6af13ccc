/**
 * The hidden commands xensetup runs itself as, for work that must be a process of its own (see
 * cli/internal.ts, which maps each to its code, and assets.ts's selfCommand).
 */
export const HELPERS = {chrootExec: '__chroot-exec', activateBridge: '__activate-bridge', networkRevert: '__network-revert'} as const
