/** A disk image's format from its first bytes, as qemu-img tells them apart; raw when nothing matches. */
export type ImageFormat = 'qcow2' | 'qed' | 'vhd' | 'raw'

/** Bytes read from the start of an image to tell its format. */
export const IMAGE_MAGIC_BYTES = 8

export function imageFormat(head: Buffer): ImageFormat {
  if (head.subarray(0, 4).equals(Buffer.from([0x51, 0x46, 0x49, 0xfb]))) return 'qcow2'
  if (head.subarray(0, 4).toString('latin1') === 'QED\0') return 'qed'
  // A dynamic VHD starts with a copy of its footer; a fixed one is raw data with a footer at the end.
  if (head.subarray(0, 8).toString('latin1') === 'conectix') return 'vhd'
  return 'raw'
}
