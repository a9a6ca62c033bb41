import { expect, it } from 'vitest'
import { backoffDelay } from './backoff'

it('grows exponentially, stays within [half, full] of its ceiling, and is capped', () => {
  expect(backoffDelay(0, () => 0)).toBe(250)
  expect(backoffDelay(0, () => 1)).toBe(500)
  expect(backoffDelay(3, () => 0)).toBe(2000)
  expect(backoffDelay(3, () => 1)).toBe(4000)
  expect(backoffDelay(50, () => 1)).toBe(15000)
  expect(backoffDelay(50, () => 0)).toBe(7500)
})

it('jitter spreads clients out', () => {
  const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(4)))
  expect(delays.size).toBeGreaterThan(10)
})
