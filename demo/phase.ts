/**
 * The demo's phases as an explicit state machine: each step may only go to
 * the next one or to `stopping` (an error or Ctrl-C at any moment), and
 * `stopping` always ends in `done`.
 */
export type DemoPhase = 'preparing' | 'brokers' | 'central' | 'sites' | 'flowing' | 'draining' | 'reporting' | 'keep-running' | 'stopping' | 'done';

const NEXT: Record<DemoPhase, readonly DemoPhase[]> = {
  preparing: ['brokers', 'stopping'],
  brokers: ['central', 'stopping'],
  central: ['sites', 'stopping'],
  sites: ['flowing', 'stopping'],
  flowing: ['draining', 'reporting', 'stopping'],
  draining: ['reporting', 'stopping'],
  reporting: ['keep-running', 'stopping'],
  'keep-running': ['stopping'],
  stopping: ['done'],
  done: [],
};

export type DemoOutcome = 'completed' | 'interrupted' | 'failed';

export class PhaseMachine {
  private current: DemoPhase = 'preparing';
  readonly history: DemoPhase[] = ['preparing'];

  constructor(private readonly onChange: (from: DemoPhase, to: DemoPhase) => void = () => {}) {}

  get phase(): DemoPhase {
    return this.current;
  }

  can(next: DemoPhase): boolean {
    return NEXT[this.current].includes(next);
  }

  to(next: DemoPhase): void {
    if (!this.can(next)) throw new Error(`demo phase ${this.current} cannot go to ${next}`);
    const from = this.current;
    this.current = next;
    this.history.push(next);
    this.onChange(from, next);
  }
}

/** Raised into the demo's waits when Ctrl-C (SIGINT) or SIGTERM arrives. */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  constructor() {
    super('interrupted');
  }
}

/** Sleeps `ms`, or throws Interrupted as soon as the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new Interrupted());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Interrupted());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Polls `check` every `everyMs` until it returns a value, the time is up (undefined) or the signal aborts (Interrupted). */
export async function pollUntil<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs: number, signal: AbortSignal): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal.aborted) throw new Interrupted();
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() >= deadline) return undefined;
    await sleep(everyMs, signal);
  }
}
