import {describe, expect, it} from '@jest/globals'

import {parseShellAssignments, splitWords, unterminatedQuoteLine} from '../../../src/formats/shell.js'

describe('splitWords', () => {
  it('removes quotes the way the shell does', () => {
    expect(splitWords(`menuentry 'Debian GNU/Linux, with Xen hypervisor' --class xen $menuentry_id_option 'xen-gnulinux-simple-1' {`)).toEqual([
      'menuentry',
      'Debian GNU/Linux, with Xen hypervisor',
      '--class',
      'xen',
      '$menuentry_id_option',
      'xen-gnulinux-simple-1',
      '{',
    ])
    expect(splitWords(`a"b c"'d e'\\ f`)).toEqual(['ab cd e f'])
  })

  it('expands variables only when given them, and keeps command substitutions verbatim', () => {
    expect(splitWords('"$A ${B}x" $C', {A: '1', B: '2'})).toEqual(['1 2x', ''])
    expect(splitWords('x="${saved_entry}"')).toEqual(['x=${saved_entry}'])
    expect(splitWords('D=`lsb_release -i -s 2> /dev/null || echo Debian`')).toEqual(['D=`lsb_release -i -s 2> /dev/null || echo Debian`'])
    expect(splitWords('D="$(sed \'s, release .*$,,g\' /etc/system-release)"', {})).toEqual([
      "D=$(sed 's, release .*$,,g' /etc/system-release)",
    ])
  })

  it('treats ; as a word and # at a word start as a comment', () => {
    expect(splitWords('if [ x ]; then # note')).toEqual(['if', '[', 'x', ']', ';', 'then'])
    expect(splitWords('a#b')).toEqual(['a#b'])
  })
})

describe('parseShellAssignments', () => {
  it('reads plain, quoted and exported assignments', () => {
    expect(
      parseShellAssignments(`# comment
A=1
B="two words"
export C='single $quoted'
D=\\
continued
`),
    ).toEqual({A: '1', B: 'two words', C: 'single $quoted', D: 'continued'})
  })

  it('skips assignments that only run conditionally', () => {
    const text = `X=0
if [ "$X" = "" ]; then
\tX=1
fi
if [ "$X" = "1" ]; then Y=inline; fi
load() {
  Z=inside
}
W=after`
    expect(parseShellAssignments(text)).toEqual({X: '0', W: 'after'})
  })

  it('expands from earlier files, as grub-mkconfig sourcing does', () => {
    expect(parseShellAssignments('R="$GRUB_CMDLINE_LINUX_DEFAULT xen"', {GRUB_CMDLINE_LINUX_DEFAULT: 'quiet'})).toEqual({
      GRUB_CMDLINE_LINUX_DEFAULT: 'quiet',
      R: 'quiet xen',
    })
  })
})

describe('unterminatedQuoteLine', () => {
  it('finds the line where a quote opens that nothing closes', () => {
    const text = `# If you change this file, run 'update-grub' afterwards
GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_DISTRIBUTOR=\`lsb_release -i -s 2> /dev/null || echo Debian\`
GRUB_CMDLINE_LINUX_DEFAULT="quiet"
GRUB_CMDLINE_LINUX=""
GRUB_CMDLINE_XEN="dom0_mem=2048M,max:2048M
#GRUB_TERMINAL=console
`
    expect(unterminatedQuoteLine(text)).toBe(7)
    expect(unterminatedQuoteLine("X='it\\'s'\n")).toBe(1)
  })

  it('accepts quotes that span lines, escaped quotes, quotes in comments and in command substitutions', () => {
    expect(unterminatedQuoteLine('A="one\ntwo"\nB=it\\\'s\nC="say \\"hi\\""\n# don\'t\nD=a#\'b\'\n')).toBeNull()
    expect(unterminatedQuoteLine('D="$(sed \'s, release .*$,,g\' /etc/system-release)"\n')).toBeNull()
  })
})
