/**
 * Docker multiplexes stdout and stderr of a container without a TTY into frames: an 8-byte header
 * (stream type, 3 zero bytes, big-endian length) then the payload. This joins the payloads in order.
 */
export function demuxLogFrames(buffer: Buffer): string {
  const parts: Buffer[] = []
  let offset = 0
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset]
    const length = buffer.readUInt32BE(offset + 4)
    // A header that does not look like one means the container has a TTY: the bytes are raw.
    if (type === undefined || type > 2 || buffer.readUIntBE(offset + 1, 3) !== 0)
      return buffer.toString('utf8')
    parts.push(buffer.subarray(offset + 8, offset + 8 + length))
    offset += 8 + length
  }
  return Buffer.concat(parts).toString('utf8')
}
