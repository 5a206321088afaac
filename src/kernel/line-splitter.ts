/**
 * Cuts a stream of text into lines (the worker channel's and the python interpreters' JSON
 * lines): `push` answers the lines a chunk completes (without their `\n`); the start of a line
 * whose end has not arrived is kept in pieces, joined once it ends.
 */
export class LineSplitter {
  private readonly pieces: string[] = [];
  private piecesLength = 0;

  /** Characters of the line begun and not ended yet. */
  get pendingLength(): number {
    return this.piecesLength;
  }

  push(chunk: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf("\n"); nl >= 0; nl = chunk.indexOf("\n", start)) {
      let line = chunk.slice(start, nl);
      start = nl + 1;
      if (this.pieces.length > 0) {
        this.pieces.push(line);
        line = this.pieces.join("");
        this.pieces.length = 0;
        this.piecesLength = 0;
      }
      lines.push(line);
    }
    if (start < chunk.length) {
      const tail = start === 0 ? chunk : chunk.slice(start);
      this.pieces.push(tail);
      this.piecesLength += tail.length;
    }
    return lines;
  }
}
