import {Args} from '@oclif/core'
import {BaseCommand} from '../cli/base-command.js'

export default class Completion extends BaseCommand {
  static action = 'completion' as const

  static summary = 'Print a completion script for bash or zsh (commands, flags and their values, offline and instant).'

  static description = `The script is generated from this version's commands and never runs xensetup while you type.`

  static examples = [
    'source <(<%= config.bin %> completion bash)',
    '<%= config.bin %> completion bash > /etc/bash_completion.d/xensetup',
    '<%= config.bin %> completion zsh > "${fpath[1]}/_xensetup"',
  ]

  static enableJsonFlag = false

  static args = {shell: Args.string({required: true, options: ['bash', 'zsh'], description: 'The shell to complete for.'})}
}
