/**
 * Collects a stream's output up to `limit` bytes; the rest is counted and reported by a
 * `…[truncated N bytes]` marker. Decoding happens once, at the end (no split UTF-8 sequences).
 */
export class BoundedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    const room = this.limit - this.kept;
    if (room <= 0) {
      this.dropped += chunk.length;
      return;
    }
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(part);
    this.kept += part.length;
    this.dropped += chunk.length - part.length;
  }

  text(): string {
    const text = Buffer.concat(this.chunks, this.kept).toString("utf8");
    return this.dropped > 0 ? `${text}\n...[truncated ${this.dropped} bytes]` : text;
  }
}
