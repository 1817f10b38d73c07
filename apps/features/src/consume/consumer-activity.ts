/**
 * Whether this instance's consumer is between bursts: no batch in flight and none for a while.
 * The refresher waits out its coalescing delay only while batches keep coming; once they stop,
 * the series they marked are refreshed at once rather than a delay after the last burst.
 */
export class ConsumerActivity {
  private inFlight = 0;
  private lastEnded = -Infinity;
  private consuming = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<() => void> = [];

  constructor(private readonly quietMs: number) {}

  /** Called once the consumer runs in this instance (a refresh-only instance never settles). */
  started(): void {
    this.consuming = true;
    this.lastEnded = Date.now();
  }

  batchStarted(): void {
    this.inFlight++;
  }

  batchEnded(): void {
    this.inFlight--;
    this.lastEnded = Date.now();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.settled()) for (const listener of this.listeners) listener();
    }, this.quietMs);
    this.timer.unref();
  }

  /** No batch in flight, none ended within `quietMs`, and this instance consumes. */
  settled(): boolean {
    return this.consuming && this.inFlight === 0 && Date.now() - this.lastEnded >= this.quietMs;
  }

  /** Calls `listener` whenever the consumer settles after a batch. */
  onSettled(listener: () => void): void {
    this.listeners.push(listener);
  }
}
