import {BaseCommand} from '../cli/base-command.js'

export default class History extends BaseCommand {
  static action = 'history' as const

  static summary = 'List the runs journaled on this host (or --root): what each changed, and whether it was rolled back.'

  static description = `Reads /var/lib/xensetup/journal.jsonl only (no lock, nothing written). Each run: its id (for
\`xensetup rollback RUN\`), start, command and arguments, result and duration, the files it wrote and removed, links,
commands and the packages it installed. Exit 0; 1 when the journal is damaged.`

  static examples = ['<%= config.bin %> history', '<%= config.bin %> history --json --root /mnt/target']
}
