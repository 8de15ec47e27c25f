/**
 * One time budget per symbol, over all its attempts: the client's retries inside each queue attempt and the queue's
 * attempts together (`QueueSettings.symbolBudgetMs`, default 10 minutes). Time spent waiting for an unavailable
 * database does not count (that wait has its own limit). A symbol that runs out fails with `SYMBOL_TIME_BUDGET`,
 * once, and is not retried: a hanging API is reported in minutes, not after every retry has timed out.
 */

/** The abort reason a symbol's load sees when its budget runs out. */
export class BudgetExhausted {
  constructor(readonly budgetMs: number) {}
}

export class SymbolBudget {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private runningSince: number | undefined;
  private spent: number;

  /** `spentMs`: what earlier attempts used (kept with the queue entry). */
  constructor(
    readonly budgetMs: number,
    spentMs = 0,
    private readonly now: () => number = Date.now,
  ) {
    this.spent = Math.max(0, spentMs);
  }

  /** Aborts (with a {@link BudgetExhausted} reason) when the budget runs out while running. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get exhausted(): boolean {
    return this.controller.signal.aborted;
  }

  /** Time used so far, this attempt's running time included. */
  get spentMs(): number {
    return this.spent + (this.runningSince === undefined ? 0 : this.now() - this.runningSince);
  }

  /** Starts (or resumes) counting. */
  run(): void {
    if (this.runningSince !== undefined || this.exhausted) return;
    const left = this.budgetMs - this.spent;
    if (left <= 0) {
      this.controller.abort(new BudgetExhausted(this.budgetMs));
      return;
    }
    this.runningSince = this.now();
    this.timer = setTimeout(() => this.controller.abort(new BudgetExhausted(this.budgetMs)), left);
    this.timer.unref();
  }

  /** Stops counting (a wait that does not count, or the attempt's end). */
  pause(): void {
    if (this.runningSince === undefined) return;
    this.spent += this.now() - this.runningSince;
    this.runningSince = undefined;
    clearTimeout(this.timer);
  }
}
