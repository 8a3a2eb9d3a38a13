import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resources, zero, type Resources } from '../common/resources.js';
import { computeFairShares, type ShareEntity } from './fair-share.js';

function e(demand: Resources, extra: Partial<ShareEntity> = {}): ShareEntity {
  return { weight: 1, minShare: zero(), maxShare: null, demand, ...extra };
}

function near(a: number, b: number, tol = 1e-6): void {
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} != ${b}`);
}

void test('equal weights split evenly; small demands are met and the rest shared', () => {
  const cap = resources(1000, 100);
  const s = computeFairShares(cap, [e(resources(1000, 100)), e(resources(1000, 100)), e(resources(100, 10))]);
  near(s[2].memoryMb, 100);
  near(s[0].memoryMb, 450);
  near(s[1].vcores, 45);
});

void test('weights divide in proportion', () => {
  const s = computeFairShares(resources(400, 400), [e(resources(400, 400), { weight: 1 }), e(resources(400, 400), { weight: 3 })]);
  near(s[0].vcores, 100);
  near(s[1].vcores, 300);
});

void test('min share is honoured and max share caps', () => {
  const s = computeFairShares(resources(1000, 1000), [
    e(resources(1000, 1000), { minShare: resources(600, 600) }),
    e(resources(1000, 1000)),
    e(resources(1000, 1000), { maxShare: resources(100, 100) }),
  ]);
  near(s[0].memoryMb, 600);
  near(s[1].memoryMb, 300);
  near(s[2].memoryMb, 100);
});

void test('min shares that do not fit are scaled down together', () => {
  const s = computeFairShares(resources(100, 100), [e(resources(100, 100), { minShare: resources(100, 100) }), e(resources(100, 100), { minShare: resources(100, 100) })]);
  near(s[0].memoryMb, 50);
  near(s[1].memoryMb, 50);
});

void test('DRF: memory-heavy and cpu-heavy demands are both met when they fit together', () => {
  const s = computeFairShares(resources(100, 100), [e(resources(90, 10)), e(resources(10, 90))]);
  near(s[0].memoryMb, 90);
  near(s[1].vcores, 90);
});

void test('DRF: equal dominant shares under contention; progressive filling continues on the free kind', () => {
  // A wants memory (dominant) and some vcores, B only vcores, C only memory.
  const s = computeFairShares(resources(100, 100), [e(resources(1000, 100)), e(resources(0, 1000)), e(resources(1000, 0))]);
  // Memory runs out at dominant share 0.5 for A and C; B keeps growing on vcores.
  near(s[0].memoryMb, 50);
  near(s[2].memoryMb, 50);
  near(s[0].vcores, 5);
  near(s[1].vcores, 95);
  // B also uses a little memory: it freezes with the others when memory runs out.
  const t = computeFairShares(resources(100, 100), [e(resources(1000, 100)), e(resources(100, 1000)), e(resources(1000, 0))]);
  near(t[0].memoryMb + t[1].memoryMb + t[2].memoryMb, 100);
  near(t[1].vcores / 100, t[0].memoryMb / 100);
});

void test('no demand means no share; no capacity means no share', () => {
  const s = computeFairShares(resources(100, 100), [e(zero()), e(resources(10, 10))]);
  near(s[0].memoryMb, 0);
  near(s[1].memoryMb, 10);
  const t = computeFairShares(zero(), [e(resources(10, 10))]);
  near(t[0].memoryMb, 0);
});
