import { LineSplitter } from '../line-splitter.js';
import { PollLoop } from './poll-loop.js';
import { emptyStats, type LogSource, type SourceOptions } from './source.js';
import { TimerWaker } from './waker.js';

/** Options of the standard-input source. */
export interface StdinSourceOptions extends SourceOptions {
  /** Stream read; default process.stdin. */
  stdin?: NodeJS.ReadableStream;
}

/**
 * Standard input (`-`): read as data arrives, open while the stream is, finished at its end, when
 * the unterminated last line is handed out. It has no position: a restart cannot resume a pipe.
 */
export class StdinSource implements LogSource {
  readonly name = '-';
  readonly stats = emptyStats();
  private readonly loop: PollLoop;
  private stream: NodeJS.ReadableStream | null = null;
  private readonly splitter: LineSplitter;
  private ended = false;
  private done = false;

  constructor(private readonly options: StdinSourceOptions) {
    this.splitter = new LineSplitter(options.maxLineChars);
    this.loop = new PollLoop(() => this.step(), options.waker ?? new TimerWaker(), options.pollIntervalMs ?? 250);
  }

  get finished(): boolean {
    return this.done;
  }

  position(): null {
    return null;
  }

  start(): void {
    if (this.loop.stopped) return;
    this.attach().on('readable', this.onReadable);
    this.loop.start();
  }

  poll(): Promise<void> {
    return this.loop.poll();
  }

  stop(): Promise<void> {
    return this.loop.stop(async () => {
      this.detach();
      this.stats.open = false;
      this.stats.currentFile = null;
    });
  }

  private async step(): Promise<void> {
    if (this.done) return;
    this.attach();
    this.read();
    await new Promise((resolve) => setImmediate(resolve)); // lets a pending 'end' or 'error' arrive
    this.read();
    if (!this.ended) return;
    this.emit(this.splitter.flush());
    this.detach();
    this.stats.open = false;
    this.stats.currentFile = null;
  }

  private attach(): NodeJS.ReadableStream {
    if (this.stream) return this.stream;
    const s = this.options.stdin ?? process.stdin;
    this.stream = s;
    s.on('end', this.onEnd);
    s.on('error', this.onError);
    this.stats.open = true;
    this.stats.currentFile = '-';
    return s;
  }

  private detach(): void {
    if (!this.stream) return;
    this.stream.off('end', this.onEnd);
    this.stream.off('error', this.onError);
    this.stream.off('readable', this.onReadable);
    this.done = true;
  }

  private read(): void {
    const s = this.stream!;
    if (this.ended) return;
    for (let chunk = s.read(); chunk !== null; chunk = s.read()) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      this.stats.bytes += buf.length;
      this.emit(this.splitter.push(buf));
    }
  }

  private emit(lines: string[]): void {
    this.stats.truncatedLines = this.splitter.truncated;
    if (lines.length === 0) return;
    this.stats.lines += lines.length;
    this.options.onLines(lines);
  }

  private readonly onReadable = (): void => {
    void this.poll().catch(() => undefined);
  };

  private readonly onEnd = (): void => {
    this.ended = true;
  };

  private readonly onError = (): void => {
    this.stats.readErrors++;
    this.ended = true;
  };
}
