// Reconnect delays: exponential with "equal jitter", so a gateway restart does not bring
// every client back in the same millisecond, and no client waits longer than `cap`.

export function backoffDelay(attempt: number, rand: () => number = Math.random, base = 500, cap = 15000): number {
  const ceiling = Math.min(cap, base * 2 ** Math.min(Math.max(attempt, 0), 20))
  return Math.round(ceiling / 2 + rand() * (ceiling / 2))
}
