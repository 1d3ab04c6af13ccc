/** The init steps in the order they run; later steps build on earlier ones. */
export const STEP_IDS = ['packages', 'boot', 'services', 'xenfs', 'bridge', 'lvm'] as const
