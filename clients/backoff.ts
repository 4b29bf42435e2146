/**
 * Capped exponential backoff with jitter (pure).
 * delay(n) = min(max, initial * 2^(n-1)), then "equal jitter": a random
 * point in [delay/2, delay], so clients that lost the same broker spread out.
 */
export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
}

/** Delay before retry number `failures` (1 = first retry after one failure). `random` in [0,1). */
export function backoffDelay(policy: BackoffPolicy, failures: number, random: number): number {
  if (failures <= 0) return 0;
  const initial = Math.max(1, policy.initialDelayMs);
  const max = Math.max(initial, policy.maxDelayMs);
  const exp = Math.min(failures - 1, 40);
  const base = Math.min(max, initial * 2 ** exp);
  return Math.round(base / 2 + (base / 2) * Math.min(Math.max(random, 0), 1));
}
