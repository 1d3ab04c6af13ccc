import type {Action} from './call.js'

type Loader = () => Promise<{default: Action<never, never>}>

/**
 * Each command's action by id, loaded on first use. The fast path (cli/main.ts) and oclif's command
 * classes (BaseCommand.run) both run a command through this table, so both run the same code.
 */
export const ACTIONS = {
  apply: () => import('../actions/apply.js'),
  completion: () => import('../actions/completion.js'),
  'confirm-network': () => import('../actions/confirm-network.js'),
  doctor: () => import('../actions/doctor.js'),
  history: () => import('../actions/history.js'),
  init: () => import('../actions/init.js'),
  rollback: () => import('../actions/rollback.js'),
  uninstall: () => import('../actions/uninstall.js'),
  'guest:console': () => import('../actions/guest/console.js'),
  'guest:create': () => import('../actions/guest/create.js'),
  'guest:list': () => import('../actions/guest/list.js'),
  'guest:remove': () => import('../actions/guest/remove.js'),
  'guest:start': () => import('../actions/guest/start.js'),
  'guest:stop': () => import('../actions/guest/stop.js'),
} satisfies Record<string, Loader>

export type ActionId = keyof typeof ACTIONS

export async function loadAction(id: ActionId): Promise<Action> {
  return (await ACTIONS[id]()).default as Action
}
