import {readFileSync} from 'node:fs'

/**
 * Renders templates/<name>.ejs (ejs loaded on first use: doctor never pays for it). Config files are
 * not HTML, so nothing is escaped; a variable the template uses but the caller did not pass is an
 * error (ejs's default `with` scope throws ReferenceError) rather than a silent "undefined".
 */
export async function renderTemplate(name: string, data: Record<string, unknown>): Promise<string> {
  const {default: ejs} = await import('ejs')
  // Two levels below the repo root both as src/render (jest) and dist/render (the built CLI).
  const file = new URL(`../../templates/${name}.ejs`, import.meta.url)
  return ejs.render(readFileSync(file, 'utf8'), data, {escape: String, filename: file.pathname})
}
