import {describe, expect, test} from '@jest/globals'
import {hideSecretArgs, hideSecrets} from '../../../src/render/secrets.js'

describe('hideSecrets', () => {
  const hidden = (text: string) => hideSecrets(text, '')[0]

  test('quoted, single-quoted and framebuffer values, SPICE too', () => {
    expect(hidden('vncpasswd = "pw"\n')).toBe('vncpasswd = "<secret 1>"\n')
    expect(hidden("vncpasswd='pw'\n")).toBe("vncpasswd='<secret 1>'\n")
    expect(hidden('spicepasswd = "other"\n')).toBe('spicepasswd = "<secret 1>"\n')
    expect(hidden("vfb = [ 'vnc=1,vncpasswd=pw,vnclisten=10.0.0.5' ]\n")).toBe("vfb = [ 'vnc=1,vncpasswd=<secret 1>,vnclisten=10.0.0.5' ]\n")
  })

  test('a framebuffer password runs to the next comma, as libxl reads it: spaces and brackets are part of it', () => {
    expect(hidden("vfb = [ 'vnc=1,vncpasswd=a b]c' ]\n")).toBe("vfb = [ 'vnc=1,vncpasswd=<secret 1>' ]\n")
  })

  test('an escaped quote does not end a quoted password', () => {
    expect(hidden('vncpasswd = "ab\\"cd"\n')).toBe('vncpasswd = "<secret 1>"\n')
  })

  test('other keys are left alone', () => {
    const text = 'novncpasswd = "x"\nmy_vncpasswd = "y"\nvnclisten = "0.0.0.0"\n'
    expect(hidden(text)).toBe(text)
  })

  test('the same password is the same label on both sides, another one the next', () => {
    expect(hideSecrets('vncpasswd = "a"\n', 'vncpasswd = "b"\nspicepasswd = "a"\n')).toEqual(['vncpasswd = "<secret 1>"\n', 'vncpasswd = "<secret 2>"\nspicepasswd = "<secret 1>"\n'])
  })
})

describe('hideSecretArgs', () => {
  test('the value of --vnc-password, given apart or with =, and nothing else', () => {
    expect(hideSecretArgs(['web', '--vnc', '--vnc-password', 'pw', '--memory', '1G'])).toEqual(['web', '--vnc', '--vnc-password', '<secret>', '--memory', '1G'])
    expect(hideSecretArgs(['web', '--vnc-password=pw'])).toEqual(['web', '--vnc-password=<secret>'])
    expect(hideSecretArgs(['--vnc-listen', '0.0.0.0'])).toEqual(['--vnc-listen', '0.0.0.0'])
  })
})
