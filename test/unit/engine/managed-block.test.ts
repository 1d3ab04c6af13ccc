import {describe, expect, test} from '@jest/globals'
import {withManagedBlock} from '../../../src/engine/managed-block.js'

describe('managed block', () => {
  test('appends to a file without one and to a missing file', () => {
    expect(withManagedBlock('a\n', 'x', 'line')).toBe('a\n# BEGIN xensetup x\nline\n# END xensetup x\n')
    expect(withManagedBlock(null, 'x', 'line\n')).toBe('# BEGIN xensetup x\nline\n# END xensetup x\n')
    expect(withManagedBlock('no newline', 'x', 'l')).toBe('no newline\n# BEGIN xensetup x\nl\n# END xensetup x\n')
  })

  test('replaces only its own block, leaving other owners and foreign lines alone', () => {
    const text = 'a\n# BEGIN xensetup x\nold\n# END xensetup x\nb\n# BEGIN xensetup y\nkeep\n# END xensetup y\n'
    expect(withManagedBlock(text, 'x', 'new1\nnew2')).toBe(
      'a\n# BEGIN xensetup x\nnew1\nnew2\n# END xensetup x\nb\n# BEGIN xensetup y\nkeep\n# END xensetup y\n',
    )
  })

  test('is idempotent', () => {
    const once = withManagedBlock('a\n', 'x', 'line')
    expect(withManagedBlock(once, 'x', 'line')).toBe(once)
  })

  test('refuses unpaired or repeated markers rather than guess', () => {
    expect(() => withManagedBlock('# BEGIN xensetup x\nline\n', 'x', 'l')).toThrow(/unpaired/)
    expect(() => withManagedBlock('# END xensetup x\n', 'x', 'l')).toThrow(/unpaired/)
    const twice = '# BEGIN xensetup x\n# END xensetup x\n# BEGIN xensetup x\n# END xensetup x\n'
    expect(() => withManagedBlock(twice, 'x', 'l')).toThrow(/more than once/)
  })
})
