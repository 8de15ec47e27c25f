/** A small bounded queue of async tasks: at most `concurrency` run at once, at most `backlog` wait. */
export class TaskQueue {
  private readonly waiting: Array<() => Promise<void>> = [];
  private running = 0;
  private idle: Array<() => void> = [];
  /** Tasks refused because the backlog was full. */
  dropped = 0;

  constructor(
    private readonly concurrency: number,
    private readonly backlog: number,
  ) {}

  /** Queues a task; false (and counted in {@link dropped}) when the backlog is full. A task's rejection is its own affair. */
  push(task: () => Promise<void>): boolean {
    if (this.waiting.length >= this.backlog) {
      this.dropped += 1;
      return false;
    }
    this.waiting.push(task);
    this.pump();
    return true;
  }

  /** Resolves when nothing runs or waits. */
  drain(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const task = this.waiting.shift() as () => Promise<void>;
      this.running += 1;
      task()
        .catch(() => undefined)
        .finally(() => {
          this.running -= 1;
          this.pump();
          if (this.running === 0 && this.waiting.length === 0) for (const r of this.idle.splice(0)) r();
        });
    }
  }
}
