import {readAsset} from '../assets.js'

/**
 * Renders templates/<name>.ejs (ejs loaded on first use: doctor never pays for it). Config files are
 * not HTML, so nothing is escaped; a variable the template uses but the caller did not pass is an
 * error (ejs's default `with` scope throws ReferenceError) rather than a silent "undefined".
 */
export async function renderTemplate(name: string, data: Record<string, unknown>): Promise<string> {
  const {default: ejs} = await import('ejs')
  const file = `templates/${name}.ejs`
  return ejs.render(readAsset(file), data, {escape: String, filename: file})
}
