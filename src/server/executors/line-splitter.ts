import { StringDecoder } from "node:string_decoder";

export interface LineSplitterOptions {
  /**
   * Characters kept of one line; the rest is counted, not stored, so a process printing a
   * gigabyte without a newline costs this much memory.
   */
  holdLength: number;
  /** Called once per line, without its `\n` (and without a `\r` before it). */
  onLine: (line: string, droppedChars: number) => void;
}

export interface LineSplitter {
  /** Feeds bytes or text; complete lines are emitted at once. */
  push(chunk: Buffer | string): void;
  /** Emits the last line if it did not end with a newline. Idempotent. */
  end(): void;
}

/**
 * Splits a byte stream into lines. UTF-8 sequences cut between chunks are decoded whole, a partial
 * last line is kept until the next chunk or `end()`.
 */
export function createLineSplitter(options: LineSplitterOptions): LineSplitter {
  const decoder = new StringDecoder("utf8");
  let current = "";
  let dropped = 0;
  let pending = false; // something (even an empty string) since the last newline
  let ended = false;

  const append = (text: string) => {
    if (text === "") return;
    pending = true;
    const room = options.holdLength - current.length;
    if (room >= text.length) {
      current += text;
    } else {
      current += text.slice(0, Math.max(0, room));
      dropped += text.length - Math.max(0, room);
    }
  };
  const emit = () => {
    const line = dropped === 0 && current.endsWith("\r") ? current.slice(0, -1) : current;
    const lost = dropped;
    current = "";
    dropped = 0;
    pending = false;
    options.onLine(line, lost);
  };
  const feed = (text: string) => {
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      append(text.slice(start, nl));
      pending = true;
      emit();
      start = nl + 1;
    }
    append(text.slice(start));
  };

  return {
    push(chunk) {
      if (ended) return;
      feed(typeof chunk === "string" ? chunk : decoder.write(chunk));
    },
    end() {
      if (ended) return;
      ended = true;
      append(decoder.end());
      if (pending) emit();
    },
  };
}
