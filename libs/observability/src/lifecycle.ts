/**
 * Process lifecycle shared by the health endpoint and the shutdown path: once draining starts,
 * readiness answers 503 so load balancers and Kubernetes stop sending work, while in-flight work finishes.
 */
export class Lifecycle {
  private drainingSince: Date | undefined;
  private readonly drainListeners: Array<() => void | Promise<void>> = [];

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** Register work to stop taking new input (consumers, schedulers) when draining begins. */
  onDrain(listener: () => void | Promise<void>): void {
    this.drainListeners.push(listener);
  }

  async beginDrain(): Promise<void> {
    if (this.drainingSince) return;
    this.drainingSince = new Date();
    await Promise.allSettled(this.drainListeners.map((l) => l()));
  }
}
